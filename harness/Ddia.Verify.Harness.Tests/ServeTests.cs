using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Serve;
using Ddia.Verify.Harness.Tests.Cli;
using Ddia.Verify.Testing;

namespace Ddia.Verify.Harness.Tests;

/// <summary>One real server on a store written by hand, shared by the tests of <see cref="ServeTests"/>.</summary>
public sealed class ServedStore : IAsyncLifetime, IDisposable
{
    private readonly TestStore store = new();

    internal TestStore Store => store;

    public StoreServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(store.Root, "index.html"), "<!DOCTYPE html><title>campaign</title>");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Server = await StoreServer.StartAsync(store.Root, port: 0, timeout.Token);
        Http = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    // After DisposeAsync (xunit calls both): the server no longer reads the store.
    public void Dispose() => store.Dispose();
}

/// <summary><c>ddia-verify serve</c> over real HTTP: Kestrel on 127.0.0.1, HttpClient and raw TCP for what HttpClient would tidy up.</summary>
public sealed partial class ServeTests(ServedStore served) : IClassFixture<ServedStore>
{
    private HttpClient Http => served.Http;

    [Fact]
    public void Server_ListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", served.Server.Address.Host);
        Assert.True(served.Server.Address.Port > 0);

        // Every other address of this machine refuses the port.
        var others = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .ToList();
        foreach (var address in others)
        {
            using var client = new TcpClient();
            var e = Assert.ThrowsAny<SocketException>(() => client.Connect(address, served.Server.Address.Port));
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        }
    }

    [Fact]
    public async Task Index_ListsEveryRunNewestFirst_WithReportFilesAndZipLinks()
    {
        using var response = await Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        var html = await response.Content.ReadAsStringAsync();

        var order = new[] { TestStore.Running, TestStore.Invalid, TestStore.Valid, TestStore.Broken }
            .Select(run => html.IndexOf($"files/{run}/\"", StringComparison.Ordinal))
            .ToList();
        Assert.All(order, position => Assert.True(position > 0, html));
        Assert.Equal(order.Order(), order);

        Assert.Contains($"href=\"files/{TestStore.Valid}/index.html\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"zip/{TestStore.Valid}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"href=\"files/{TestStore.Running}/index.html\"", html, StringComparison.Ordinal);   // no report yet
        Assert.Contains("<td class=\"invalid\">invalid</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"valid\">valid</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>incomplete</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">1 min 01 s</td>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"files/index.html\"", html, StringComparison.Ordinal);   // the store has a campaign index
        Assert.DoesNotMatch("(?i)https?://", html);
    }

    [Theory]
    [InlineData("results.json", "application/json", "utf-8")]
    [InlineData("history.jsonl", "text/plain", "utf-8")]
    [InlineData("logs/n1/node.log", "text/plain", "utf-8")]
    [InlineData("index.html", "text/html", "utf-8")]
    [InlineData("latency.svg", "image/svg+xml", null)]
    [InlineData("latency.png", "image/png", null)]
    public async Task Files_ServesARunsFileWithItsContentType(string file, string type, string? charset)
    {
        using var response = await Http.GetAsync(new Uri($"/files/{TestStore.Valid}/{file}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(charset, response.Content.Headers.ContentType.CharSet);
        Assert.Equal(File.ReadAllBytes(Path.Combine(served.Store.Root, TestStore.Valid, file)), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Files_AReportsRelativeLinksResolveUnderTheServer()
    {
        var report = new Uri(served.Server.Address, $"/files/{TestStore.Valid}/index.html");
        var html = await Http.GetStringAsync(report);
        var src = ImgSrc().Match(html).Groups[1].Value;
        Assert.Equal("latency.png", src);

        Assert.Equal(TestStore.Png, await Http.GetByteArrayAsync(new Uri(report, src)));
        Assert.StartsWith("{\"index\":0", await Http.GetStringAsync(new Uri(report, "history.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_ADirectoryIsListed_AfterARedirectToItsSlash()
    {
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = served.Server.Address };
        using var redirect = await noRedirect.GetAsync(new Uri($"/files/{TestStore.Valid}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal($"/files/{TestStore.Valid}/", redirect.Headers.Location!.OriginalString);

        var listing = await Http.GetStringAsync(new Uri($"/files/{TestStore.Valid}", UriKind.Relative));
        Assert.Contains("<a href=\"logs/\">logs/</a>", listing, StringComparison.Ordinal);
        Assert.Contains("<a href=\"results.json\">results.json</a>", listing, StringComparison.Ordinal);
        Assert.Contains("<a href=\"../\">../</a>", listing, StringComparison.Ordinal);

        var root = await Http.GetStringAsync(new Uri("/files/", UriKind.Relative));
        Assert.Contains("<a href=\"leader-sync/\">leader-sync/</a>", root, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"../\"", root, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_TheLatestLinkIsFollowed_ItPointsInsideTheStore()
    {
        var results = await Http.GetStringAsync(new Uri("/files/latest/results.json", UriKind.Relative));
        Assert.Contains("\"invalid\"", results, StringComparison.Ordinal);
        var viaStore = await Http.GetStringAsync(new Uri($"/files/{TestStore.Valid}/store/{TestStore.Invalid}/results.json", UriKind.Relative));
        Assert.Equal(results, viaStore);
    }

    [Fact]
    public async Task Zip_HoldsTheRunsFiles()
    {
        using var response = await Http.GetAsync(new Uri($"/zip/{TestStore.Valid}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        var name = TestStore.Valid.Replace('/', '-') + ".zip";
        Assert.Equal(name, disposition.FileName?.Trim('"'));

        await using var body = await response.Content.ReadAsStreamAsync();
        using var zip = new ZipArchive(body, ZipArchiveMode.Read);
        var prefix = TestStore.Valid.Replace('/', '-') + "/";
        var entries = zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
        string[] expected = ["history.jsonl", "index.html", "latency.png", "latency.svg", "logs/n1/node.log", "results.json", "test.json"];
        Assert.Equal(expected.Select(f => prefix + f), entries);   // escape.txt and up/ are links: left out
        foreach (var file in expected)
        {
            await using var entry = await zip.GetEntry(prefix + file)!.OpenAsync();
            using var copy = new MemoryStream();
            await entry.CopyToAsync(copy);
            Assert.Equal(File.ReadAllBytes(Path.Combine(served.Store.Root, TestStore.Valid, file)), copy.ToArray());
        }
    }

    [Theory]
    [InlineData("/files/../../../../etc/passwd")]
    [InlineData("/files/..%2f..%2f..%2f..%2fetc%2fpasswd")]
    [InlineData("/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/files/leader-sync/..%5c..%5c..%5cetc%5cpasswd")]
    [InlineData("/files//etc/passwd")]
    [InlineData("/files/%2fetc%2fpasswd")]
    [InlineData("/files/outside/secret.txt")]
    [InlineData("/files/outside/")]
    [InlineData("/files/" + TestStore.Valid + "/escape.txt")]
    [InlineData("/files/" + TestStore.Valid + "/up/")]
    [InlineData("/files/" + TestStore.Valid + "/up/" + "{0}")]
    [InlineData("/zip/..%2f..%2f..%2f/etc")]
    [InlineData("/zip/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/zip/leader-sync/%2e%2e")]
    [InlineData("/zip/outside/.")]
    [InlineData("/zip/leader-sync/..")]
    [InlineData("/files/no-such-run/results.json")]
    [InlineData("/zip/no-such/run")]
    [InlineData("/nothing-here")]
    public async Task AnythingOutsideTheStoreOrUnknown_Is404(string target)
    {
        // {0}: the store's own name, reached from the link that leads out of it.
        var (status, body) = await RawGet(target.Replace("{0}", Path.GetFileName(served.Store.Root), StringComparison.Ordinal));

        Assert.True(status == 404, $"GET {target}: {status}\n{body}");
        Assert.DoesNotContain(TestStore.Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeCommand_PrintsTheUrl_ServesUntilInterrupted_Exits0()
    {
        Signals.ThrowIfSigintIsIgnored();
        var dll = Path.Combine(AppContext.BaseDirectory, "ddia-verify.dll");
        Assert.True(File.Exists(dll), dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", "--port", "0", "--store", served.Store.Root }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? "";
            var url = UrlPattern().Match(line);
            Assert.True(url.Success, $"no URL in '{line}'; stderr: {(process.HasExited ? await stderr : "")}");
            Assert.StartsWith("serving ", line, StringComparison.Ordinal);

            var page = await Http.GetStringAsync(new Uri(url.Value));
            Assert.Contains(TestStore.Valid, page, StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(timeout.Token);
            var rest = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\nstdout: {line}\n{rest}\nstderr: {await stderr}");
            Assert.Contains("stopped", rest, StringComparison.Ordinal);
            Assert.Empty(await stderr);   // quiet: no line per request
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void ServeCommand_WithoutTheStore_IsBadInput()
    {
        var run = Cli.Cli.Run("serve", "--store", Path.Combine(served.Store.Root, "no-such-store"), "--port", "0");

        Assert.True(run.Exit == ExitCodes.BadInput, run.ToString());
        Assert.Contains("--store", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ServeCommand_OnAPortAlreadyTaken_IsBadInputNamingThePort()
    {
        var port = served.Server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var run = Cli.Cli.Run("serve", "--store", served.Store.Root, "--port", port);

        Assert.True(run.Exit == ExitCodes.BadInput, run.ToString());
        Assert.Contains($"--port {port}: cannot listen on 127.0.0.1:{port}", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A GET with the target sent exactly as written: HttpClient would resolve dot segments first.</summary>
    private async Task<(int Status, string Body)> RawGet(string target)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.ConnectAsync(IPAddress.Loopback, served.Server.Address.Port, timeout.Token);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(timeout.Token);
        var status = StatusLine().Match(response);
        Assert.True(status.Success, response);
        return (int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), response);
    }

    [GeneratedRegex("^HTTP/1\\.1 (\\d{3})")]
    private static partial Regex StatusLine();

    [GeneratedRegex("<img src=\"([^\"]*)\"")]
    private static partial Regex ImgSrc();

    [GeneratedRegex("http://127\\.0\\.0\\.1:\\d+/")]
    private static partial Regex UrlPattern();
}
