using System.Reflection;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Raft;
using Ddia.Verify.Systems.Adapters.Tests.Common;

namespace Ddia.Verify.Systems.Adapters.Tests.Raft;

/// <summary>Three real ddia-node processes set up by <see cref="RaftDb"/> (see <see cref="ProcessCluster{TDb}"/>).</summary>
internal sealed class RaftTestCluster : ProcessCluster<RaftDb>
{
    private static readonly string NodeDll = typeof(RaftTestCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeDll").Value!;

    // ddia-node's logs are short: show them whole.
    private static readonly ClusterLimits Limits = new(UntilOk: TimeSpan.FromSeconds(15), OpTimeout: Timeout.InfiniteTimeSpan, LogTail: int.MaxValue);

    private RaftTestCluster(LocalTestRemote remote, TestContext test, RaftDb db)
        : base(remote, test, db, Limits)
    {
    }

    public RaftClientOptions ClientOptions => Db.Options.ClientOptions;

    public static Task<RaftTestCluster> StartAsync(bool fencing = true, bool forwardToLeader = true) =>
        StartAsync("raft-adapter",
            (httpPort, peerPort) => new RaftDb(new RaftDbOptions
            {
                NodeProgram = NodeDll,
                DotnetHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                Fencing = fencing,
                HttpPort = httpPort,
                PeerPort = peerPort,
                Seed = 1,
                ForwardToLeader = forwardToLeader,
            }),
            (remote, test, db) => new RaftTestCluster(remote, test, db));
}
