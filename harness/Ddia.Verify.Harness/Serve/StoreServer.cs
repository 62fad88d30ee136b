using System.IO.Compression;
using System.Net;
using System.Text;
using Ddia.Verify.Reports.Campaign;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ddia.Verify.Harness.Serve;

/// <summary>
/// Browses a store over HTTP, like Jepsen's <c>lein run serve</c>, on 127.0.0.1 only: a store holds whatever the
/// systems under test logged, and is nobody else's to read.
/// <list type="bullet">
/// <item><c>GET /</c>: every run, newest first, with links to its report, its files and a zip of it.</item>
/// <item><c>GET /files/{path}</c>: a file of the store, or a directory's listing (run reports link their plots and
/// files relatively, so <c>/files/&lt;test&gt;/&lt;stamp&gt;/index.html</c> shows whole).</item>
/// <item><c>GET /zip/{test}/{stamp}</c>: the run's directory as a zip, streamed.</item>
/// </list>
/// Anything outside the store (.., links that lead out) and anything unknown is 404.
/// </summary>
public sealed class StoreServer : IAsyncDisposable
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".json"] = "application/json; charset=utf-8",
        [".jsonl"] = "text/plain; charset=utf-8",
        [".log"] = "text/plain; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".edn"] = "text/plain; charset=utf-8",
        [".md"] = "text/plain; charset=utf-8",
        [".xml"] = "application/xml; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".zip"] = "application/zip",
    };

    private readonly WebApplication app;

    private StoreServer(WebApplication app, string storeRoot, Uri address)
    {
        this.app = app;
        StoreRoot = storeRoot;
        Address = address;
    }

    /// <summary>Where the server answers: http://127.0.0.1:PORT/.</summary>
    public Uri Address { get; }

    /// <summary>The store it serves, as a full path.</summary>
    public string StoreRoot { get; }

    /// <summary>Starts serving <paramref name="storeRoot"/> on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static async Task<StoreServer> StartAsync(string storeRoot, int port, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(storeRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(storeRoot));

        // The content root is the program's own directory, not the working directory: nothing there is watched or served.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Warnings and errors only: no line per request, no startup banner.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A port already taken is told to the caller by the exception; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();

        app.MapGet("/", (HttpContext context) => Index(context, root));
        app.MapGet("/files", (HttpContext context) => Files(context, root, ""));
        app.MapGet("/files/{**path}", (HttpContext context, string? path) => Files(context, root, path ?? ""));
        app.MapGet("/zip/{test}/{stamp}", (HttpContext context, string test, string stamp) => Zip(context, root, test, stamp));

        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without an address");
        return new StoreServer(app, root, new Uri(new Uri(bound), "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static IResult Index(HttpContext context, string root)
    {
        var runs = RunCatalog.Scan(root);
        var campaign = File.Exists(Path.Combine(root, CampaignIndex.IndexFile)) ? "files/" + CampaignIndex.IndexFile : null;
        var page = StorePage.RunList($"ddia-verify store: {root}", runs, new RunLinks(Files: "files/", Zip: "zip/"), campaign);
        NoCache(context);
        return Results.Content(page, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static IResult Files(HttpContext context, string root, string path)
    {
        if (StorePaths.Resolve(root, path) is not { } full) return Results.NotFound();
        try
        {
            return FileOrListing(context, root, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Results.NotFound();   // removed since it was found, or not ours to read
        }
    }

    private static IResult FileOrListing(HttpContext context, string root, string full)
    {
        NoCache(context);
        if (Directory.Exists(full))
        {
            // A directory's relative links need its URL to end in a slash.
            var url = context.Request.PathBase + context.Request.Path;
            if (!url.Value!.EndsWith('/')) return Results.Redirect(url.ToUriComponent() + "/");
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            var entries = new DirectoryInfo(full).EnumerateFileSystemInfos()
                .Select(e => new ListedEntry(e.Name, e is DirectoryInfo, e is FileInfo f ? f.Length : null, new DateTimeOffset(e.LastWriteTimeUtc, TimeSpan.Zero)))
                .ToList();
            var title = relative == "." ? "store" : relative + "/";
            return Results.Content(StorePage.DirectoryListing(title, linkToParent: relative != ".", entries), "text/html; charset=utf-8", Encoding.UTF8);
        }
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(full), "application/octet-stream");
        // Shared for writing: a run still going appends to history.jsonl and its logs.
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        return Results.Stream(stream, type, enableRangeProcessing: true);
    }

    private static async Task Zip(HttpContext context, string root, string test, string stamp)
    {
        if (StorePaths.Resolve(root, test + "/" + stamp) is not { } directory || !Directory.Exists(directory))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var name = $"{test}-{stamp}.zip";
        context.Response.ContentType = "application/zip";
        context.Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileNameStar = name, FileName = name }.ToString();
        NoCache(context);
        var ct = context.RequestAborted;
        // The entries' streams flush their last compressed bytes with a synchronous write when disposed, even
        // through DisposeAsync (.NET 10); Kestrel refuses those unless allowed. A local tool's one download can block a thread.
        if (context.Features.Get<IHttpBodyControlFeature>() is { } body) body.AllowSynchronousIO = true;
        // Entries are written straight to the response: no temporary file, nothing held in memory but a buffer.
        var zip = await ZipArchive.CreateAsync(context.Response.Body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        await using (zip.ConfigureAwait(false))
        {
            foreach (var (file, entry) in RunFiles(directory))
            {
                var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
                await using (source.ConfigureAwait(false))
                {
                    var target = await zip.CreateEntry(test + "-" + stamp + "/" + entry, CompressionLevel.Fastest).OpenAsync(ct).ConfigureAwait(false);
                    await using (target.ConfigureAwait(false)) await source.CopyToAsync(target, ct).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The run's files, with their names inside the run; links are left out (a run directory has none of its own).</summary>
    private static List<(string File, string Entry)> RunFiles(string directory)
    {
        var files = new List<(string, string)>();
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var current))
        {
            foreach (var e in new DirectoryInfo(current).EnumerateFileSystemInfos())
            {
                if (e.LinkTarget is not null) continue;
                if (e is DirectoryInfo) pending.Push(e.FullName);
                else files.Add((e.FullName, Path.GetRelativePath(directory, e.FullName).Replace('\\', '/')));
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return files;
    }

    // The store changes under a running campaign: always ask again.
    private static void NoCache(HttpContext context) => context.Response.Headers.CacheControl = "no-cache";
}
