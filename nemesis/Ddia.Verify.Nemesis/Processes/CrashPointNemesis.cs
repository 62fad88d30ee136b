using System.Net.Http.Json;
using Ddia.Verify.Abstractions;
using Ddia.Verify.Nemesis.Targets;

namespace Ddia.Verify.Nemesis.Processes;

/// <summary>
/// <c>arm-crash</c> / <c>recover-crash</c>: kill -9 at one step of the system's own protocol, where a random kill
/// lands only by luck (etcd's failpoints, for crashes). Arming asks the node to kill itself the next time it reaches
/// the named crash point (<c>POST /admin/crash-point {"point": name}</c> on its admin port; reference nodes only);
/// recovering disarms the nodes still up and starts again, through the db's <see cref="IKillable"/>, those that
/// crashed. Default target: one node.
/// </summary>
public sealed class CrashPointNemesis(IDb db, int adminPort, string point, Target? defaultTarget = null)
    : ProcessNemesis(db, defaultTarget ?? Target.One)
{
    // One client for the process; per-request deadlines instead of its Timeout.
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    public string Point { get; } = point;

    protected override string FaultF => NemesisFs.ArmCrash;
    protected override string HealF => NemesisFs.RecoverCrash;
    protected override long Salt => -1006;
    protected override string? Missing => Db is IKillable ? null : "the system cannot be restarted after a crash (its IDb is not IKillable): nothing done";
    protected override ProcessNemesis Fresh() => new CrashPointNemesis(Db, adminPort, Point, DefaultTarget);

    protected override async ValueTask FaultAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        using var response = await PostAsync(node, Point, cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{node.Name} refused crash point {Point}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false)}");
    }

    protected override async ValueTask HealAsync(TestContext test, Node node, CancellationToken cancellation)
    {
        try
        {
            using var response = await PostAsync(node, null, cancellation).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return;   // still up: it never reached the point, and now never will
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            // Down: it crashed where we asked.
        }
        await ((IKillable)Db).StartAsync(test, node, cancellation).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> PostAsync(Node node, string? crashPoint, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(RequestTimeout);
        var uri = new UriBuilder(Uri.UriSchemeHttp, node.Address, adminPort, "/admin/crash-point").Uri;
        try
        {
            return await Http.PostAsJsonAsync(uri, new { point = crashPoint }, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"{node.Name} did not answer {uri} within {RequestTimeout.TotalSeconds} s");
        }
    }
}
