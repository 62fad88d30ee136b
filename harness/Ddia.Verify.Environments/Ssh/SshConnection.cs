using System.Globalization;
using System.Net.Sockets;
using Ddia.Verify.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Ddia.Verify.Environments.Ssh;

/// <summary>
/// The connections to one host: an SSH client for commands (opened at once, kept open, reopened when it drops) and an
/// SFTP client for files (opened on first use). Establishing a connection is retried with backoff; a command never is,
/// since it may already have run.
/// </summary>
internal sealed class SshConnection : IDisposable
{
    // sshd allows 10 channels per connection (MaxSessions); stay below so concurrent commands wait instead of failing.
    private const int MaxChannels = 8;

    private readonly SshEnvironmentOptions options;
    private readonly KnownHosts? knownHosts;
    private readonly PrivateKeyFile key;
    private readonly ResiliencePipeline connectPipeline;
    private readonly ResiliencePipeline transferPipeline;
    private readonly SemaphoreSlim connecting = new(1, 1);
    private readonly SemaphoreSlim channels = new(MaxChannels, MaxChannels);
    private SshClient? ssh;
    private SftpClient? sftp;
    private bool disposed;

    public SshConnection(SshHost host, SshEnvironmentOptions options, KnownHosts? knownHosts)
    {
        Host = host;
        this.options = options;
        this.knownHosts = knownHosts;
        try
        {
            key = new PrivateKeyFile(host.KeyFile);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SshEnvironmentException($"{Describe()}: cannot use key file {host.KeyFile}: {e.Message}" +
                (e is SshPassPhraseNullOrEmptyException ? " (keys with a passphrase are not supported)" : ""), e);
        }
        connectPipeline = Pipeline(options.ConnectTimeout, options.ConnectAttempts);
        transferPipeline = Pipeline(options.TransferTimeout, options.ConnectAttempts);
    }

    public SshHost Host { get; }

    /// <summary>Whether a connection was ever established (a host never reached has nothing of ours to tear down).</summary>
    public bool EverConnected { get; private set; }

    /// <summary>Opens the SSH connection now (set-up wants every host checked before the test starts).</summary>
    public async Task ConnectAsync(CancellationToken cancellation) => await ConnectedAsync(cancellation).ConfigureAwait(false);

    private async Task<SshClient> ConnectedAsync(CancellationToken cancellation)
    {
        try
        {
            return await SshAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (HostKeyRejectedException or SshEnvironmentException or OperationCanceledException
            or ObjectDisposedException))
        {
            throw new SshEnvironmentException($"{Describe()}: cannot connect ({options.ConnectAttempts} attempt(s), " +
                $"{options.ConnectTimeout.TotalSeconds:0.#} s each): {e.Message}", e);
        }
    }

    /// <summary>Runs a shell command line as it is (the caller quotes) and captures its output and exit code.</summary>
    public async Task<ExecResult> RunAsync(string commandLine, CancellationToken cancellation)
    {
        await channels.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var client = await ConnectedAsync(cancellation).ConfigureAwait(false);
            using var command = client.CreateCommand(commandLine);
            try
            {
                await command.ExecuteAsync(cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException && !cancellation.IsCancellationRequested)
            {
                throw new SshEnvironmentException($"{Describe()}: the connection broke while running a command: {e.Message}", e);
            }
            if (command.ExitStatus is { } status)
                return new ExecResult(status, command.Result, command.Error);
            // No exit status: the command died of a signal; report it the way a shell does.
            return new ExecResult(128 + SignalNumber(command.ExitSignal), command.Result,
                command.Error + $"(killed by signal {command.ExitSignal})");
        }
        finally
        {
            channels.Release();
        }
    }

    public Task UploadAsync(string localPath, string remotePath, CancellationToken cancellation) =>
        TransferAsync("upload", localPath, remotePath, async token =>
        {
            var client = await SftpAsync(token).ConfigureAwait(false);
            var stream = File.OpenRead(localPath);
            await using (stream.ConfigureAwait(false))
                await client.UploadFileAsync(stream, remotePath, token).ConfigureAwait(false);
            // Like a local copy, the file keeps its mode (an uploaded binary stays executable).
            // SSH.NET takes the mode as the digits of its octal form (755 for rwxr-xr-x).
            if (!OperatingSystem.IsWindows())
                client.ChangePermissions(remotePath,
                    short.Parse(Convert.ToString((int)File.GetUnixFileMode(localPath) & 0x1FF, 8), CultureInfo.InvariantCulture));
        }, cancellation);

    public Task DownloadAsync(string remotePath, string localPath, CancellationToken cancellation) =>
        TransferAsync("download", remotePath, localPath, async token =>
        {
            var client = await SftpAsync(token).ConfigureAwait(false);
            // Into a temporary file first, so that a failed attempt never leaves half a file under the real name.
            var partial = localPath + ".partial";
            try
            {
                var stream = File.Create(partial);
                await using (stream.ConfigureAwait(false))
                    await client.DownloadFileAsync(remotePath, stream, token).ConfigureAwait(false);
                File.Move(partial, localPath, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
        }, cancellation);

    /// <summary>
    /// Runs a transfer under the retry pipeline and reports failures as .NET's file errors (missing file, permission,
    /// I/O), which callers such as the log collector already handle, naming the host and both paths.
    /// </summary>
    private async Task TransferAsync(string what, string from, string to, Func<CancellationToken, ValueTask> transfer,
        CancellationToken cancellation)
    {
        var context = $"{Describe()}: {what} {from} to {to}";
        try
        {
            await transferPipeline.ExecuteAsync(transfer, cancellation).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException e)
        {
            throw new FileNotFoundException($"{context}: no such file or directory", e);
        }
        catch (SftpPermissionDeniedException e)
        {
            throw new UnauthorizedAccessException($"{context}: permission denied", e);
        }
        catch (Exception e) when (e is SshException or SocketException or TimeoutRejectedException)
        {
            throw new IOException($"{context} failed: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        connecting.Wait();
        try
        {
            disposed = true;
            Close(ref ssh);
            Close(ref sftp);
        }
        finally
        {
            connecting.Release();
        }
    }

    public string Describe() => $"ssh {Host.User}@{Host.Host} port {Host.Port}";

    private async Task<SshClient> SshAsync(CancellationToken cancellation)
    {
        if (ssh is { IsConnected: true } current)
            return current;
        return await ReconnectAsync(() => ssh, client => ssh = client, info => new SshClient(info), connectPipeline, cancellation)
            .ConfigureAwait(false);
    }

    private async Task<SftpClient> SftpAsync(CancellationToken cancellation)
    {
        if (sftp is { IsConnected: true } current)
            return current;
        // Inside a transfer attempt, which has its own timeout and retries: one connect attempt here.
        return await ReconnectAsync(() => sftp, client => sftp = client, info => new SftpClient(info), ResiliencePipeline.Empty,
            cancellation).ConfigureAwait(false);
    }

    private async Task<T> ReconnectAsync<T>(Func<T?> get, Action<T?> set, Func<ConnectionInfo, T> create, ResiliencePipeline pipeline,
        CancellationToken cancellation) where T : BaseClient
    {
        await connecting.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (get() is { IsConnected: true } current)
                return current;   // someone else reconnected while we waited
            var old = get();
            set(null);
            old?.Dispose();
            var client = await pipeline.ExecuteAsync(token => OpenAsync(create, token), cancellation).ConfigureAwait(false);
            set(client);
            EverConnected = true;
            return client;
        }
        finally
        {
            connecting.Release();
        }
    }

    private async ValueTask<T> OpenAsync<T>(Func<ConnectionInfo, T> create, CancellationToken cancellation) where T : BaseClient
    {
        var info = new PrivateKeyConnectionInfo(Host.Host, Host.Port, Host.User, key) { Timeout = options.ConnectTimeout };
        PreferKnownKeyTypes(info);
        var client = create(info);
        client.KeepAliveInterval = options.KeepAliveInterval;
        string? rejection = null;
        client.HostKeyReceived += (_, e) =>
        {
            rejection = VerifyHostKey(e);
            e.CanTrust = rejection is null;
        };
        try
        {
            await client.ConnectAsync(cancellation).ConfigureAwait(false);
            return client;
        }
        catch (Exception e)
        {
            client.Dispose();
            if (rejection is not null)
                throw new HostKeyRejectedException(rejection, e);
            if (e is SshAuthenticationException)
                throw new SshEnvironmentException($"{Describe()}: the host refused key {Host.KeyFile}: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Null when the key is trusted, otherwise why not and what to do about it.</summary>
    private string? VerifyHostKey(HostKeyEventArgs e)
    {
        if (!options.StrictHostKeyChecking || knownHosts is null)
            return null;
        var verdict = knownHosts.Check(Host.Host, Host.Port, e.HostKey);
        var name = KnownHosts.HostName(Host.Host, Host.Port);
        var presented = $"{e.HostKeyName} key SHA256:{e.FingerPrintSHA256}";
        var file = knownHosts.Path;
        var add = $"after checking the fingerprint, add the key with `ssh-keyscan -p {Host.Port} {Host.Host} >> {file}`";
        var optOut = "or accept any key with --ssh-strict-host-key-checking=false (StrictHostKeyChecking = false)";
        return verdict.Status switch
        {
            HostKeyStatus.Trusted => null,
            HostKeyStatus.Unknown =>
                $"host key verification failed for {Host.Host} port {Host.Port}: the host presented a {presented}, and {file} " +
                $"has no entry for {name}; {add}, {optOut}",
            HostKeyStatus.Mismatch =>
                $"host key verification failed for {Host.Host} port {Host.Port}: the host presented a {presented}, which does NOT " +
                $"match the key recorded for {name} in {file} line {verdict.Line} (someone may be intercepting the connection, " +
                $"or the host was reinstalled). If the new key is right, remove the old one with `ssh-keygen -R '{name}' -f {file}` " +
                $"and {add}; {optOut}",
            _ =>
                $"host key verification failed for {Host.Host} port {Host.Port}: the host presented a {presented}, which is " +
                $"marked @revoked in {file} line {verdict.Line}; {optOut}",
        };
    }

    // OpenSSH asks for the key types it has recorded for a host first; SSH.NET would otherwise negotiate its own
    // favourite, which may be a type known_hosts does not list. Keep only the recorded types, when there are any.
    private void PreferKnownKeyTypes(ConnectionInfo info)
    {
        if (!options.StrictHostKeyChecking || knownHosts is null)
            return;
        var known = knownHosts.KeyTypes(Host.Host, Host.Port);
        static string KeyType(string algorithm) => algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;
        var unwanted = info.HostKeyAlgorithms.Keys.Where(a => !known.Contains(KeyType(a))).ToList();
        if (unwanted.Count == info.HostKeyAlgorithms.Count)
            return;   // nothing recorded we can ask for: let the check say so
        foreach (var algorithm in unwanted)
            info.HostKeyAlgorithms.Remove(algorithm);
    }

    private static ResiliencePipeline Pipeline(TimeSpan attemptTimeout, int attempts)
    {
        var builder = new ResiliencePipelineBuilder();
        if (attempts > 1)
            builder.AddRetry(new RetryStrategyOptions
            {
                // Network trouble and timeouts are worth another try; a refused key or host key never is.
                ShouldHandle = new PredicateBuilder()
                    .Handle<SocketException>()
                    .Handle<SshConnectionException>()
                    .Handle<SshOperationTimeoutException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<ProxyException>()
                    .Handle<IOException>(e => e is not FileNotFoundException and not DirectoryNotFoundException),
                MaxRetryAttempts = attempts - 1,
                Delay = TimeSpan.FromMilliseconds(500),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        return builder.AddTimeout(attemptTimeout).Build();
    }

    private static int SignalNumber(string? name) => name switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ABRT" => 6,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };

    private static void Close<T>(ref T? client) where T : BaseClient
    {
        try
        {
            client?.Dispose();
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException)
        {
            // Closing a broken connection: nothing left to do.
        }
        client = null;
    }
}
