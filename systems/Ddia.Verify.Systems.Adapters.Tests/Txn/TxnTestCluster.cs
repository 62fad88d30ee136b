using System.Reflection;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Tests.Raft;
using Ddia.Verify.Systems.Adapters.Tests.Common;
using Ddia.Verify.Systems.Adapters.Txn;

namespace Ddia.Verify.Systems.Adapters.Tests.Txn;

/// <summary>ddia-node's transactional store on the first of three test nodes, set up by <see cref="TxnDb"/>.</summary>
internal sealed class TxnTestCluster : ProcessCluster<TxnDb>
{
    private static readonly string NodeDll = typeof(TxnTestCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeDll").Value!;

    private TxnTestCluster(LocalTestRemote remote, TestContext test, TxnDb db)
        : base(remote, test, db, new ClusterLimits(UntilOk: TimeSpan.FromSeconds(15), OpTimeout: Timeout.InfiniteTimeSpan, LogTail: int.MaxValue))
    {
    }

    public static Task<TxnTestCluster> StartAsync(string isolation) =>
        StartAsync("txn-adapter",
            (httpPort, _) => new TxnDb(new TxnDbOptions
            {
                NodeProgram = NodeDll,
                DotnetHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                Isolation = isolation,
                HttpPort = httpPort,
            }),
            (remote, test, db) => new TxnTestCluster(remote, test, db));
}
