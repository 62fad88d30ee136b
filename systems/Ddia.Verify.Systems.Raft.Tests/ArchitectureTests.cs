using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Ddia.Verify.Systems.Raft.Tests;

/// <summary>The Raft core is a system under test and a pure state machine (DESIGN.md §1, §4).</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void RaftCore_ReferencesNothingOfTheHarnessOrTheCheckers() =>
        Assert.DoesNotContain(typeof(RaftNode).Assembly.GetReferencedAssemblies(),
            a => a.Name!.StartsWith("Ddia.Verify.", StringComparison.Ordinal));

    [Fact]
    public void RaftCore_UsesNoThreadsSocketsFilesOrClocks()
    {
        // Time and randomness come in as inputs; I/O is the host's. Checked on every type the assembly refers to.
        string[] bannedNamespaces = ["System.Threading", "System.Threading.Tasks", "System.Net", "System.Net.Sockets", "System.IO"];
        string[] bannedTypes = ["System.DateTime", "System.DateTimeOffset", "System.TimeProvider", "System.Environment", "System.Diagnostics.Stopwatch"];
        using var stream = File.OpenRead(typeof(RaftNode).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var used = metadata.TypeReferences
            .Select(h => metadata.GetTypeReference(h))
            .Select(t => (Namespace: metadata.GetString(t.Namespace), Name: metadata.GetString(t.Name)))
            .ToList();
        Assert.Contains(used, t => t == ("System", "Random"));   // the reader works: the injected source is there
        Assert.DoesNotContain(used, t => bannedNamespaces.Contains(t.Namespace) || bannedTypes.Contains(t.Namespace + "." + t.Name));
    }
}
