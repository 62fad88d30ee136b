using System.Diagnostics;
using Ddia.Verify.Environments.Ssh;

using Ddia.Verify.Testing;

namespace Ddia.Verify.Environments.Tests.Ssh;

/// <summary>Three sshd hosts and one SSH session over them, shared by the tests of a class (set-up is the slow part).</summary>
public sealed class SshFixture : IAsyncLifetime
{
    public SshRig Rig { get; private set; } = null!;

    public SshSession Session { get; private set; } = null!;

    public TimeSpan RigStart { get; private set; }

    public TimeSpan SessionOpen { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Rig = await SshRig.StartAsync(3);
        RigStart = clock.Elapsed;
        clock.Restart();
        Session = (SshSession)await new SshEnvironment(Rig.Options).OpenAsync("ssh-tests", 3, CancellationToken.None);
        SessionOpen = clock.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (Session is not null)
            await Session.DisposeAsync();
        if (Rig is not null)
            await Rig.DisposeAsync();
    }
}
