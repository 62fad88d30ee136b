using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>
/// The set invariant, in the manner of Jepsen's set-full checker: every acknowledged add stays in the
/// set, and reads show nothing that was not added.
/// <para>Op shapes (client ops only; nemesis ops are ignored):</para>
/// <list type="bullet">
/// <item><c>f "add"</c>, value the element (any value but nil).</item>
/// <item><c>f "read"</c>, ok completion value a list or set of elements.</item>
/// </list>
/// Each element added gets one <see cref="SetOutcome"/>. For an ok add, the reads that count are the
/// ok reads invoked after the add completed: present in all of them, <c>Ok</c>; missing from the last
/// read, <c>Lost</c> (an acknowledged add lost); missing from some but present in the last,
/// <c>Stale</c>; no such read, <c>NeverRead</c>. An add that is only info is <c>Recovered</c> if any
/// read shows it, else <c>Unconfirmed</c>; one that only failed is <c>Failed</c>. An element in a read
/// that completed before any ok or info add of it was invoked is <c>unexpected</c> (failed adds never
/// happened). Anomaly kinds <c>lost</c>, <c>stale</c>, <c>unexpected</c>; each makes the result
/// Invalid (a stale read breaks linearizability for a set), except <c>stale</c> when the checker is built
/// with <c>linearizable: false</c> (Jepsen's set-full with <c>:linearizable? false</c>, for eventually
/// consistent systems): stale elements are then still counted, listed and reported as an anomaly, but
/// only lost and unexpected elements make the result Invalid. With adds but no ok read, or no
/// acknowledged add that a later read could check, the result is Unknown. Detail:
/// <see cref="SetResult"/>. A read whose value is not a list or set is reported (Unknown) and skipped.
/// </summary>
/// <param name="linearizable">Whether the set must be linearizable: a stale read then makes the result Invalid. False
/// for eventually consistent systems, where a read may miss a recent add and see it later. The default value is true.</param>
public sealed class SetChecker(bool linearizable = true) : IChecker
{
    /// <summary>How many elements of each outcome the Detail lists (counts are always complete).</summary>
    public const int ListCap = 32;

    public string Name => "set";

    /// <summary>Whether a stale read makes the result Invalid (see the constructor).</summary>
    public bool Linearizable => linearizable;

    private sealed class Element
    {
        public int FirstAttempt = int.MaxValue;   // invoke of the first ok/info add
        public int Acknowledged = int.MaxValue;   // earliest ok completion
        public int OkAdd = -1, InfoAdd = -1, FailAdd = -1;
        public List<int>? Present;                // ordinals of the reads that show it, ascending
        public int UnexpectedIn = -1;             // ordinal of the first read that shows it too early
    }

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var calls = new List<Call>();
        if (Calls.Collect(history, calls, cancellation) is { } unreadable) return CheckResult.Unknown(Name, unreadable);

        var problems = new List<string>();
        var elements = new Dictionary<Value, Element>();
        var reads = new List<Call>();
        var adds = 0;
        foreach (var call in calls)
        {
            if (call.Invocation.F == "add")
            {
                var v = call.Invocation.Value;
                if (v.IsNil)
                {
                    if (call.Outcome != OpType.Fail) problems.Add($"add invoked at {Calls.Where(call.Invoke, call.Invocation)} has no element");
                    continue;
                }
                adds++;
                var e = Get(elements, v);
                switch (call.Outcome)
                {
                    case OpType.Ok:
                        if (call.Complete < e.Acknowledged) (e.Acknowledged, e.OkAdd) = (call.Complete, call.Invoke);
                        e.FirstAttempt = Math.Min(e.FirstAttempt, call.Invoke);
                        break;
                    case OpType.Info:
                        if (e.InfoAdd < 0) e.InfoAdd = call.Invoke;
                        e.FirstAttempt = Math.Min(e.FirstAttempt, call.Invoke);
                        break;
                    default:
                        if (e.FailAdd < 0) e.FailAdd = call.Invoke;
                        break;
                }
            }
            else if (call.Invocation.F == "read" && call.Outcome == OpType.Ok)
            {
                if (call.Result.Kind is ValueKind.List or ValueKind.Set) reads.Add(call);
                else problems.Add($"read completed at {Calls.Where(call.Complete, call.Completion!.Value)}: value {call.Result} is not a list or set");
            }
        }
        if (reads.Count == 0)
        {
            var why = adds > 0 ? "no read observed the set" : "no ok read of the set";
            return new CheckResult(Name, Validity.Unknown, []) { Error = Calls.Error(problems, why) };
        }

        for (var r = 0; r < reads.Count; r++)
        {
            if ((r & 0xff) == 0) cancellation.ThrowIfCancellationRequested();
            var completed = reads[r].Complete;
            foreach (var v in reads[r].Result.Items)
            {
                var e = Get(elements, v);
                e.Present ??= [];
                if (e.Present.Count > 0 && e.Present[^1] == r) continue;   // shown twice by one read
                e.Present.Add(r);
                if (e.UnexpectedIn < 0 && completed < e.FirstAttempt) e.UnexpectedIn = r;
            }
        }

        var starts = reads.Select(r => r.Invoke).ToArray();
        var last = reads.Count - 1;
        var found = new Dictionary<SetOutcome, List<SetElement>>();
        var unexpected = new List<SetUnexpected>();
        foreach (var (value, e) in elements)
        {
            if (e.UnexpectedIn >= 0)
            {
                var read = reads[e.UnexpectedIn];
                var attempted = e.FirstAttempt == int.MaxValue ? null : (int?)e.FirstAttempt;
                unexpected.Add(new SetUnexpected(value, read.Invoke, read.Complete, attempted, e.FailAdd < 0 ? null : e.FailAdd));
            }
            if (e.OkAdd < 0 && e.InfoAdd < 0 && e.FailAdd < 0) continue;   // never added at all: only unexpected
            var present = e.Present ?? [];
            int? lastSeen = present.Count == 0 ? null : reads[present[^1]].Invoke;
            SetElement outcome;
            if (e.OkAdd >= 0)
            {
                // The reads invoked after the add completed: ordinals k..last.
                var k = LowerBound(starts, e.Acknowledged + 1);
                if (k > last) outcome = new(value, SetOutcome.NeverRead, e.OkAdd, e.Acknowledged, null, lastSeen);
                else
                {
                    var firstMissing = FirstMissing(present, k, last);
                    outcome = firstMissing is not { } missing
                        ? new(value, SetOutcome.Ok, e.OkAdd, e.Acknowledged, null, lastSeen)
                        : new(value, present.Count > 0 && present[^1] == last ? SetOutcome.Stale : SetOutcome.Lost,
                            e.OkAdd, e.Acknowledged, reads[missing].Invoke, lastSeen);
                }
            }
            else if (e.InfoAdd >= 0)
                outcome = new(value, present.Count > 0 ? SetOutcome.Recovered : SetOutcome.Unconfirmed, e.InfoAdd, null, null, lastSeen);
            else outcome = new(value, SetOutcome.Failed, e.FailAdd, null, null, lastSeen);
            if (!found.TryGetValue(outcome.Outcome, out var list)) found[outcome.Outcome] = list = [];
            list.Add(outcome);
        }

        // Stable order for reports and tests: by the position of the add, then of the read.
        foreach (var list in found.Values) list.Sort((a, b) => a.Add.CompareTo(b.Add));
        unexpected.Sort((a, b) => a.Read.CompareTo(b.Read));
        List<SetElement> Of(SetOutcome o) => found.TryGetValue(o, out var l) ? l : [];

        var anomalies = ImmutableArray.CreateBuilder<Anomaly>();
        var lost = Of(SetOutcome.Lost);
        var stale = Of(SetOutcome.Stale);
        if (lost.Count > 0)
            anomalies.Add(new Anomaly(InvariantAnomalies.Lost, Positions(lost),
                $"{Calls.Count(lost.Count, "acknowledged add")} lost: {Calls.Join(lost.Select(Story).ToList(), 5)}."));
        if (stale.Count > 0)
            anomalies.Add(new Anomaly(InvariantAnomalies.Stale, Positions(stale),
                $"{Calls.Count(stale.Count, "acknowledged element")} missing from reads that began after the add completed, then seen again: " +
                $"{Calls.Join(stale.Select(Story).ToList(), 5)}."));
        if (unexpected.Count > 0)
            anomalies.Add(new Anomaly(InvariantAnomalies.Unexpected, [.. unexpected.Take(ListCap).SelectMany(u => new[] { u.Read, u.Completion })],
                $"{Calls.Count(unexpected.Count, "element")} read that no add could have put there yet: " +
                Calls.Join(unexpected.Select(u => u.Attempted is { } a
                    ? $"{u.Element} (read at position {P(u.Read)}, which completed before its add was invoked at position {P(a)})"
                    : u.FailedAdd is { } f
                        ? $"{u.Element} (read at position {P(u.Read)}; its only add, at position {P(f)}, failed)"
                        : $"{u.Element} (read at position {P(u.Read)}; never added)").ToList(), 5) + "."));

        var counts = Enum.GetValues<SetOutcome>().ToImmutableDictionary(o => o, o => Of(o).Count);
        var checkedAcks = counts[SetOutcome.Ok] + counts[SetOutcome.Lost] + counts[SetOutcome.Stale];
        var detail = new SetResult(adds, reads.Count, counts, unexpected.Count,
            Enum.GetValues<SetOutcome>().ToImmutableDictionary(o => o, o => Of(o).Take(ListCap).ToImmutableArray()),
            [.. unexpected.Take(ListCap)]);
        var undecided = checkedAcks == 0 ? "no acknowledged add was followed by a read" : null;
        // Eventually consistent: stale reads are reported, but only a lost or unexpected element breaks the set.
        var invalidating = linearizable ? anomalies.Count : anomalies.Count(a => a.Kind != InvariantAnomalies.Stale);
        return new CheckResult(Name, Calls.Verdict(invalidating, problems, checkedAcks > 0), anomalies.ToImmutable())
        {
            Detail = detail,
            Error = anomalies.Count > 0 ? Calls.Error(problems, null) : Calls.Error(problems, undecided),
        };
    }

    private static Element Get(Dictionary<Value, Element> elements, Value v)
    {
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(elements, v, out _);
        return e ??= new Element();
    }

    /// <summary>The first ordinal in [from, to] that <paramref name="present"/> (ascending) lacks, or null.</summary>
    private static int? FirstMissing(List<int> present, int from, int to)
    {
        var i = LowerBound(present, from);
        for (var r = from; r <= to; r++, i++)
            if (i >= present.Count || present[i] != r) return r;
        return null;
    }

    private static int LowerBound(IReadOnlyList<int> sorted, int value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static ImmutableArray<int> Positions(List<SetElement> elements) =>
        [.. elements.Take(ListCap).SelectMany(e => e.FirstMissingRead is { } r ? new[] { e.Add, r } : [e.Add])];

    private static string P(int position) => position.ToString(CultureInfo.InvariantCulture);

    private static string Story(SetElement e) =>
        $"{e.Element} (added at position {P(e.Add)}, acknowledged at {P(e.Acknowledged ?? -1)}; missing from the read at {P(e.FirstMissingRead ?? -1)}" +
        (e.LastSeenRead is { } seen ? $"; last seen by the read at {P(seen)})" : "; never seen)");
}

/// <summary>What became of an added element (see <see cref="SetChecker"/>).</summary>
public enum SetOutcome { Ok, Lost, Stale, NeverRead, Recovered, Unconfirmed, Failed }

/// <summary>
/// One added element. <see cref="Add"/> is the invocation position of the add that decided the outcome
/// (the acknowledged one, else an info one, else a failed one); <see cref="Acknowledged"/> its ok
/// completion; <see cref="FirstMissingRead"/> the invocation position of the first read after the
/// acknowledgement that did not show it; <see cref="LastSeenRead"/> that of the last read that did.
/// </summary>
public sealed record SetElement(Value Element, SetOutcome Outcome, int Add, int? Acknowledged, int? FirstMissingRead, int? LastSeenRead);

/// <summary>
/// An element a read showed before any add of it was invoked (<see cref="Attempted"/>: the first ok or
/// info add's invocation, if any; <see cref="FailedAdd"/>: a failed add of it, if any).
/// </summary>
public sealed record SetUnexpected(Value Element, int Read, int Completion, int? Attempted, int? FailedAdd);

/// <summary>
/// What the set checker found: counts of every outcome, and up to <see cref="SetChecker.ListCap"/>
/// elements of each (in the order of their adds).
/// </summary>
public sealed record SetResult(
    int Adds,
    int ReadsChecked,
    ImmutableDictionary<SetOutcome, int> Counts,
    int UnexpectedCount,
    ImmutableDictionary<SetOutcome, ImmutableArray<SetElement>> Elements,
    ImmutableArray<SetUnexpected> Unexpected);
