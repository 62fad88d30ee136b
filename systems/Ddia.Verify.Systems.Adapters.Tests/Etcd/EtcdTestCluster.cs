using Ddia.Verify.Abstractions;
using Ddia.Verify.Systems.Adapters.Etcd;
using Ddia.Verify.Systems.Adapters.Tests.Common;
using Ddia.Verify.Systems.Adapters.Tests.Raft;

namespace Ddia.Verify.Systems.Adapters.Tests.Etcd;

/// <summary>Three real etcd members set up by <see cref="EtcdDb"/> (see <see cref="ProcessCluster{TDb}"/>); setup
/// always forms a new cluster, removing earlier data.</summary>
internal sealed class EtcdTestCluster : ProcessCluster<EtcdDb>
{
    public const string EtcdProgram = "/usr/bin/etcd";

    // Each op gets 5 s; etcd logs a lot at start: the end says why it stopped.
    private static readonly ClusterLimits Limits = new(UntilOk: TimeSpan.FromSeconds(20), OpTimeout: TimeSpan.FromSeconds(5), LogTail: 4000);

    private EtcdTestCluster(LocalTestRemote remote, TestContext test, EtcdDb db)
        : base(remote, test, db, Limits)
    {
    }

    public EtcdClientOptions ClientOptions => Db.Options.ClientOptions;

    public static Task<EtcdTestCluster> StartAsync()
    {
        // CI installs etcd; a machine without it must fail here, never skip or pass quietly.
        Assert.True(File.Exists(EtcdProgram), $"{EtcdProgram} is missing: these tests need etcd 3.4, run `apt-get install -y etcd-server`");
        return StartAsync("etcd-adapter",
            (clientPort, peerPort) => new EtcdDb(new EtcdDbOptions { EtcdProgram = EtcdProgram, ClientPort = clientPort, PeerPort = peerPort }),
            (remote, test, db) => new EtcdTestCluster(remote, test, db));
    }
}
