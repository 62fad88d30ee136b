using System.Reflection;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.History;

namespace Ddia.Verify.Harness.Tests.Architecture;

/// <summary>
/// Dependencies point one way (DESIGN.md §1): the history library needs nothing of ours, checkers need
/// only the history library, reports only histories and results; nemeses, workloads, environments and system
/// adapters sit on the core abstractions and know nothing of each other (adapters implement clients for
/// workloads' op shapes); and only the CLI sees everything.
/// </summary>
public class DependencyTests
{
    public static TheoryData<Type, string[]> Rules => new()
    {
        { typeof(Op), [] },
        { typeof(Validity), ["Ddia.Verify.History"] },
        { typeof(Gen), ["Ddia.Verify.History"] },
        { typeof(IClient), ["Ddia.Verify.History"] },
        { typeof(Reports.RunReport), ["Ddia.Verify.History", "Ddia.Verify.Checkers"] },
        { typeof(Environments.Local.LocalEnvironment), ["Ddia.Verify.Abstractions"] },
        { typeof(Nemesis.Packages.NemesisPackages), ["Ddia.Verify.History", "Ddia.Verify.Abstractions", "Ddia.Verify.Generators"] },
        { typeof(Workloads.Workload), ["Ddia.Verify.History", "Ddia.Verify.Checkers", "Ddia.Verify.Abstractions", "Ddia.Verify.Generators"] },
        { typeof(Systems.Adapters.Raft.RaftDb), ["Ddia.Verify.History", "Ddia.Verify.Abstractions", "Ddia.Verify.Workloads"] },
        {
            typeof(Commands),
            [
                "Ddia.Verify.History", "Ddia.Verify.Checkers", "Ddia.Verify.Abstractions", "Ddia.Verify.Generators", "Ddia.Verify.Reports",
                "Ddia.Verify.Environments", "Ddia.Verify.Nemesis", "Ddia.Verify.Workloads", "Ddia.Verify.Systems.Adapters",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Project_DependsOnlyOnWhatTheDesignAllows(Type marker, string[] allowed)
    {
        var ours = marker.Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Ddia.Verify.", StringComparison.Ordinal));
        Assert.Empty(ours.Except(allowed));
    }

    [Fact]
    public void Checkers_DoNoFileOrNetworkIo()
    {
        // Checkers are pure functions of a history: reports write files, checkers never do.
        var io = typeof(Validity).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Where(t => t.Namespace is "System.IO" or "System.Net" or "System.Net.Sockets")
            .Distinct()
            .ToList();
        Assert.Empty(io);
    }
}
