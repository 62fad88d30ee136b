using System.Reflection;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.History;

namespace Ddia.Verify.Harness.Tests.Architecture;

/// <summary>
/// Dependencies point one way (DESIGN.md §1): the history library needs nothing of ours, checkers need
/// only the history library, and only the harness sees everything.
/// </summary>
public class DependencyTests
{
    public static TheoryData<Type, string[]> Rules => new()
    {
        { typeof(Op), [] },
        { typeof(Validity), ["Ddia.Verify.History"] },
        { typeof(Gen), ["Ddia.Verify.History"] },
        { typeof(IClient), ["Ddia.Verify.History"] },
        { typeof(Commands), ["Ddia.Verify.History", "Ddia.Verify.Checkers", "Ddia.Verify.Abstractions", "Ddia.Verify.Generators"] },
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
