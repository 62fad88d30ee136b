using System.Formats.Tar;
using System.Globalization;
using System.Net;
using Ddia.Verify.Abstractions;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Ddia.Verify.Environments.Docker;

/// <summary>
/// <see cref="IRemote"/> over docker exec: commands run inside the node's container as the argument vectors they are (no
/// shell in between), pids are the container's, files under a node directory are host files (bind mounts) and other
/// paths are copied with the engine's archive API. Safe to call concurrently.
/// </summary>
public sealed partial class DockerSession : IRemote
{
    // Positional parameters only, so nothing is ever quoted: $1 pid file, $2 directory, $3 log, then the command. The
    // program runs in the background with its output appended to the log; $! is its pid (the child execs it), written to the
    // pid file and printed. Its parent shell exits at once, so docker-init adopts (and later reaps) it.
    private const string DaemonScript =
        "pidfile=$1; dir=$2; log=$3; shift 3; " +
        "mkdir -p \"$dir\" \"${log%/*}\" \"${pidfile%/*}\" || exit 125; " +
        "[ -f \"$1\" ] && [ -x \"$1\" ] || { echo \"$1 is not an executable file in this node's image\" >&2; exit 127; }; " +
        "cd \"$dir\" || exit 125; " +
        "\"$@\" </dev/null >>\"$log\" 2>&1 & " +
        "echo $! >\"$pidfile\"; echo $!";

    // Signals a pid; a process that is already gone is not an error.
    private const string SignalScript = "kill -s \"$1\" \"$2\" 2>/dev/null || [ ! -d \"/proc/$2\" ]";

    public RemoteCapabilities Capabilities => firewall
        ? RemoteCapabilities.Exec | RemoteCapabilities.Signals | RemoteCapabilities.Firewall
        : RemoteCapabilities.Exec | RemoteCapabilities.Signals;

    /// <summary>docker exec of <paramref name="command"/> in the node's directory. A command that cannot be started is exit
    /// code 127 (not in the image) or 126 (not executable) with the engine's reason in Stderr, as a shell would say it.
    /// Cancelling stops waiting; the command itself may run on in the container.</summary>
    public async ValueTask<ExecResult> ExecAsync(Node node, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
            throw new ArgumentException("empty command", nameof(command));
        var i = IndexOf(node);
        ThrowIfClosed();
        return await ExecInAsync(i, command, NodeDirectoryPath(i), null, cancellation).ConfigureAwait(false);
    }

    public async ValueTask<int> StartDaemonAsync(Node node, Daemon daemon, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var i = IndexOf(node);
        ThrowIfClosed();
        string[] command = ["sh", "-c", DaemonScript, "sh", daemon.PidFile, daemon.WorkingDirectory, daemon.LogFile, daemon.Executable,
            .. daemon.Arguments];
        var result = await ExecInAsync(i, command, "/", daemon.Environment, cancellation).ConfigureAwait(false);
        if (!result.Succeeded || !int.TryParse(result.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            throw new InvalidOperationException(
                $"on {node.Name} (container {ContainerName(i)}): starting {daemon.Executable} failed (exit {result.ExitCode}): " +
                $"{result.Stderr.Trim()}{result.Stdout.Trim()}");
        return pid;
    }

    /// <summary>kill -s SIGNAL pid inside the container (the pid is the container's, as <see cref="StartDaemonAsync"/> returns it).</summary>
    public async ValueTask SignalAsync(Node node, int pid, Signal signal, CancellationToken cancellation)
    {
        var i = IndexOf(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(pid, 2);   // 0, -1 and 1 address groups, everyone, init
        ThrowIfClosed();
        var name = signal.ToString().ToUpperInvariant();
        string[] command = ["sh", "-c", SignalScript, "sh", name, pid.ToString(CultureInfo.InvariantCulture)];
        var result = await ExecInAsync(i, command, "/", null, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new RemoteCommandException(node, ["kill", "-s", name, pid.ToString(CultureInfo.InvariantCulture)], result);
    }

    /// <summary>A host copy for a path under the node's directory (bind-mounted); otherwise the archive API.</summary>
    public async ValueTask UploadAsync(Node node, string localPath, string remotePath, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        ArgumentNullException.ThrowIfNull(remotePath);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (IsUnder(remotePath, NodeDirectoryPath(i)))
        {
            CopyOnHost(localPath, remotePath);
            return;
        }
        var parent = Path.GetDirectoryName(remotePath) ?? "/";
        var made = await ExecInAsync(i, ["mkdir", "-p", parent], "/", null, cancellation).ConfigureAwait(false);
        if (!made.Succeeded)
            throw new RemoteCommandException(node, ["mkdir", "-p", parent], made);
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            await writer.WriteEntryAsync(localPath, Path.GetFileName(remotePath), cancellation).ConfigureAwait(false);
        var bytes = archive.ToArray();
        await control.RunAsync(async c =>
        {
            using var tar = new MemoryStream(bytes, writable: false);
            await control.Client.Containers.ExtractArchiveToContainerAsync(containers[i],
                new ContainerPathStatParameters { Path = parent, AllowOverwriteDirWithFile = false }, tar, c).ConfigureAwait(false);
        }, cancellation).ConfigureAwait(false);
    }

    /// <summary>A host copy for a path under the node's directory (bind-mounted); otherwise the archive API.</summary>
    public async ValueTask DownloadAsync(Node node, string remotePath, string localPath, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        ArgumentNullException.ThrowIfNull(remotePath);
        var i = IndexOf(node);
        ThrowIfClosed();
        if (IsUnder(remotePath, NodeDirectoryPath(i)))
        {
            CopyOnHost(remotePath, localPath);
            return;
        }
        try
        {
            await control.RunAsync(async c =>
            {
                var response = await control.Client.Containers.GetArchiveFromContainerAsync(containers[i],
                    new GetArchiveFromContainerParameters { Path = remotePath }, statOnly: false, c).ConfigureAwait(false);
                await using var stream = response.Stream;
                await using var reader = new TarReader(stream);
                var entry = await reader.GetNextEntryAsync(copyData: false, c).ConfigureAwait(false);
                if (entry is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    throw new InvalidOperationException($"{remotePath} on {node.Name} is not a regular file");
                CreateParent(localPath);
                await entry.ExtractToFileAsync(localPath, overwrite: true, c).ConfigureAwait(false);
            }, cancellation).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"{remotePath} does not exist on {node.Name} (container {ContainerName(i)})", remotePath, e);
        }
    }

    /// <summary>&lt;WorkRoot&gt;/&lt;session&gt;/&lt;node&gt;: the same path on the host and in the node's container.</summary>
    public string NodeDirectory(Node node) => NodeDirectoryPath(IndexOf(node));

    /// <summary>Runs a command in container <paramref name="i"/> and waits for its exit code. Only the exec's creation and
    /// inspection go through the control pipeline: the command itself runs once, never retried.</summary>
    private async Task<ExecResult> ExecInAsync(int i, IReadOnlyList<string> command, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellation)
    {
        var id = containers[i];
        var parameters = new ContainerExecCreateParameters
        {
            AttachStdout = true,
            AttachStderr = true,
            Cmd = [.. command],
            WorkingDir = workingDirectory,
            Env = environment?.Select(e => $"{e.Key}={e.Value}").ToList(),
        };
        var exec = await control.RunAsync(async c => await control.Client.Exec.ExecCreateContainerAsync(id, parameters, c).ConfigureAwait(false),
            cancellation).ConfigureAwait(false);
        string stdout, stderr;
        using (var stream = await control.Client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, cancellation).ConfigureAwait(false))
            (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellation).ConfigureAwait(false);
        // The output ends when the process closes it; its exit code is there once it has been reaped, a moment later.
        while (true)
        {
            var state = await control.RunAsync(async c => await control.Client.Exec.InspectContainerExecAsync(exec.ID, c).ConfigureAwait(false),
                cancellation).ConfigureAwait(false);
            if (!state.Running)
                return Result((int)state.ExitCode, stdout, stderr);
            await Task.Delay(5, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>A program that cannot be started is reported by the engine as exit 126 with its reason on stdout ("OCI runtime
    /// exec failed: … no such file or directory"); say it as a shell would: 127 for a missing program, the reason on stderr.</summary>
    private static ExecResult Result(int exitCode, string stdout, string stderr)
    {
        if (exitCode != 126 || stderr.Length != 0 || !stdout.StartsWith("OCI runtime exec failed", StringComparison.Ordinal))
            return new ExecResult(exitCode, stdout, stderr);
        var missing = stdout.Contains("no such file or directory", StringComparison.Ordinal)
                      || stdout.Contains("executable file not found", StringComparison.Ordinal);
        return new ExecResult(missing ? 127 : 126, "", stdout);
    }

    private static bool IsUnder(string path, string directory)
    {
        var full = Path.GetFullPath(path);
        return full.StartsWith(directory + "/", StringComparison.Ordinal) || full == directory;
    }

    private static void CopyOnHost(string from, string to)
    {
        CreateParent(to);
        File.Copy(from, to, overwrite: true);
    }

    private static void CreateParent(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
            Directory.CreateDirectory(parent);
    }
}
