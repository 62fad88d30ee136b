using PuppeteerSharp;

namespace Ddia.Verify.Testing;

/// <summary>
/// One headless Chromium for a test class (compiled into the test projects that open pages, as RepoFiles is): Debian's /usr/bin/chromium (or DDIA_CHROMIUM), started with the flags this
/// machine needs (no sandbox as root; nothing that reaches for the network on its own, which is closed here).
/// Chromium missing is a failure with the command that installs it, never a skipped or passing test.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium has not started");

    public static string ExecutablePath => Environment.GetEnvironmentVariable("DDIA_CHROMIUM") ?? "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: the browser tests need Debian's chromium (apt-get install chromium; .ci/run does)");
        browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = ExecutablePath,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--allow-file-access-from-files",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
    }

    /// <summary>Opens <paramref name="file"/> in a new tab whose console errors, uncaught exceptions and failed or
    /// outside requests are recorded.</summary>
    public async Task<ReportTab> OpenAsync(string file, string? fragment = null)
    {
        var page = await Browser.NewPageAsync();
        var tab = new ReportTab(page);
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 900 });
        var url = new Uri(Path.GetFullPath(file)).AbsoluteUri + (fragment is null ? "" : "#" + fragment);
        await page.GoToAsync(url, new NavigationOptions { Timeout = 120_000, WaitUntil = [WaitUntilNavigation.Load] });
        return tab;
    }
}

/// <summary>A page under test and what went wrong in it.</summary>
public sealed class ReportTab : IAsyncDisposable
{
    private readonly List<string> problems = [];

    public ReportTab(IPage page)
    {
        Page = page;
        page.Console += (_, e) =>
        {
            if (e.Message.Type is ConsoleType.Error or ConsoleType.Warning) Add($"console {e.Message.Type}: {e.Message.Text}");
        };
        page.PageError += (_, e) => Add("uncaught: " + e.Message);
        page.RequestFailed += (_, e) => Add($"request failed: {e.Request.Url} ({e.Request.FailureText})");
        page.Request += (_, e) =>
        {
            // A self-contained report asks for nothing but its own files (and data: URLs it made itself).
            if (!e.Request.Url.StartsWith("file:", StringComparison.Ordinal) && !e.Request.Url.StartsWith("data:", StringComparison.Ordinal))
                Add("outside request: " + e.Request.Url);
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get { lock (problems) return [.. problems]; }
    }

    private void Add(string problem)
    {
        lock (problems) problems.Add(problem);
    }

    /// <summary>Every image of the page with at least <paramref name="minimum"/> of them, each decoded with a size (a
    /// broken image has naturalWidth 0); throws naming what is wrong.</summary>
    public async Task AssertImagesLoadedAsync(int minimum)
    {
        var widths = await Page.EvaluateExpressionAsync<int[]>("[...document.images].map(i => i.complete ? i.naturalWidth : 0)");
        if (widths.Length < minimum) throw new InvalidOperationException($"{widths.Length} images on {Page.Url}, expected at least {minimum}");
        if (widths.Any(w => w == 0)) throw new InvalidOperationException($"{widths.Count(w => w == 0)} of {widths.Length} images on {Page.Url} did not load");
    }

    /// <summary>Saves a full-page screenshot under the artefacts directory and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Artefacts.Directory, name + ".png");
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    public ValueTask DisposeAsync() => new(Page.CloseAsync());
}

/// <summary>Where the browser tests leave what a person may want to look at: artifacts/browser/ at the repository root
/// (or DDIA_ARTIFACTS/browser). CI keeps that folder.</summary>
public static class Artefacts
{
    public static string Directory { get; } = Create();

    private static string Create()
    {
        var path = Path.Combine(Environment.GetEnvironmentVariable("DDIA_ARTIFACTS") ?? Path.Combine(RepoFiles.Root, "artifacts"), "browser");
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
