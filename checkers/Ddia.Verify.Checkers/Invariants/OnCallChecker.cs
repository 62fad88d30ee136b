using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>Options of the on-call checker.</summary>
public sealed record OnCallOptions
{
    /// <summary>
    /// The doctors on call for each shift when the test starts. Null: per shift, every doctor any read
    /// or go-off-call names (give it when some doctor may never be named).
    /// </summary>
    public IReadOnlyDictionary<Value, IReadOnlyCollection<Value>>? Roster { get; init; }
}

/// <summary>
/// The on-call invariant of DDIA ch. 7, the classic write skew: a doctor may go off call only while
/// another one stays on call for the shift, so every shift always has somebody on call. Two
/// concurrent transactions that each see two doctors on call and each take one off leave nobody.
/// <para>Op shapes (client ops only; nemesis ops are ignored):</para>
/// <list type="bullet">
/// <item><c>f "read"</c>, ok completion value a map shift → list (or set) of the doctors on call. A read
/// lists every shift; a known shift missing from it counts as having nobody on call.</item>
/// <item><c>f "go-off-call"</c>, value <c>{"shift": s, "doctor": d}</c>: ok, the doctor went off call;
/// fail, the transaction refused (fewer than two were on call); info, unknown.</item>
/// </list>
/// Anomaly kinds: <c>empty-read</c>, an ok read shows a shift with nobody on call; <c>write-skew</c>,
/// the ok go-off-calls take every doctor of a shift's roster off call. The latter names the shift and
/// the last of those transactions: the ones that ran concurrently with the last one to start (if that
/// one ran alone, the data says so: the guard failed even without concurrency). Detail:
/// <see cref="OnCallResult"/>. Unreadable values are reported (Unknown) and skipped.
/// </summary>
public sealed class OnCallChecker(OnCallOptions? options = null) : IChecker
{
    private readonly OnCallOptions options = options ?? new OnCallOptions();

    public string Name => "on-call";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var calls = new List<Call>();
        if (Calls.Collect(history, calls, cancellation) is { } unreadable) return CheckResult.Unknown(Name, unreadable);

        var problems = new List<string>();
        var reads = new List<(Call Call, Dictionary<Value, ImmutableArray<Value>> OnCall)>();
        var goOffs = new List<(Call Call, Value Shift, Value Doctor)>();
        foreach (var call in calls)
        {
            if (call.Invocation.F == "read" && call.Outcome == OpType.Ok)
            {
                if (ReadOnCall(call, problems) is { } onCall) reads.Add((call, onCall));
            }
            else if (call.Invocation.F == "go-off-call")
            {
                var v = call.Invocation.Value;
                if (v.Get("shift") is { IsNil: false } shift && v.Get("doctor") is { IsNil: false } doctor) goOffs.Add((call, shift, doctor));
                else if (call.Outcome != OpType.Fail)
                    problems.Add($"go-off-call invoked at {Calls.Where(call.Invoke, call.Invocation)}: value {v} is not {{\"shift\": s, \"doctor\": d}}");
            }
        }

        // The starting roster: given, or everyone named anywhere.
        var roster = new Dictionary<Value, HashSet<Value>>();
        var rosterGiven = this.options.Roster is not null;
        if (this.options.Roster is { } given)
        {
            foreach (var (shift, doctors) in given) roster[shift] = [.. doctors];
            foreach (var (call, shift, doctor) in goOffs)
                if (!roster.TryGetValue(shift, out var ds) || !ds.Contains(doctor))
                    problems.Add($"go-off-call invoked at {Calls.Where(call.Invoke, call.Invocation)} names doctor {doctor} of shift {shift}, not on the roster");
        }
        else
        {
            foreach (var (_, onCall) in reads)
                foreach (var (shift, doctors) in onCall) Roster(roster, shift).UnionWith(doctors);
            foreach (var (_, shift, doctor) in goOffs) Roster(roster, shift).Add(doctor);
        }
        if (roster.Count == 0 || (reads.Count == 0 && goOffs.Count == 0))
            return new CheckResult(Name, Validity.Unknown, []) { Error = Calls.Error(problems, "no shift or doctor observed: nothing to check") };

        var findings = new List<OnCallFinding>();
        var anomalies = ImmutableArray.CreateBuilder<Anomaly>();
        var shifts = roster.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
        foreach (var (read, onCall) in reads)
        {
            foreach (var shift in shifts)
            {
                if (onCall.TryGetValue(shift, out var doctors) && doctors.Length > 0) continue;
                findings.Add(new OnCallFinding.EmptyRead(read.Invoke, read.Complete, shift));
                anomalies.Add(new Anomaly(InvariantAnomalies.EmptyRead, [read.Invoke, read.Complete],
                    $"The {read.Describe()} shows nobody on call for shift {shift}."));
            }
        }

        // The final state: the roster less every doctor an ok go-off-call took off.
        var final = new Dictionary<Value, ImmutableArray<Value>>();
        foreach (var shift in shifts)
        {
            cancellation.ThrowIfCancellationRequested();
            var offs = goOffs.Where(g => g.Call.Outcome == OpType.Ok && g.Shift == shift && roster[shift].Contains(g.Doctor)).ToList();
            var remaining = roster[shift].Except(offs.Select(g => g.Doctor)).OrderBy(d => d.ToString(), StringComparer.Ordinal).ToImmutableArray();
            final[shift] = remaining;
            if (remaining.Length > 0 || offs.Count == 0) continue;

            // The last group of transactions whose intervals chain together (offs are in invocation order).
            var from = 0;
            var reach = offs[0].Call.End;
            for (var i = 1; i < offs.Count; i++)
            {
                if (offs[i].Call.Invoke > reach) from = i;
                reach = from == i ? offs[i].Call.End : Math.Max(reach, offs[i].Call.End);
            }
            var group = offs.Skip(from).ToList();
            var concurrent = group.Count > 1;
            findings.Add(new OnCallFinding.WriteSkew(shift, [.. group.Select(g => g.Call.Invoke)], [.. group.Select(g => g.Doctor)], concurrent));
            var story = string.Join("; ", group.Select(g => $"{g.Doctor}: {g.Call.Describe()}"));
            anomalies.Add(new Anomaly(InvariantAnomalies.WriteSkew, [.. group.SelectMany(g => new[] { g.Call.Invoke, g.Call.Complete })],
                $"Shift {shift} is left with nobody on call: its roster of {Calls.Count(roster[shift].Count, "doctor")} all went off call. " +
                (concurrent
                    ? $"The last {Calls.Count(group.Count, "transaction")} ran concurrently, so each could check that another doctor was still on call " +
                      $"before the others took that doctor off: {story}."
                    : $"The last one ran alone, so its check of who else was on call failed even without concurrency: {story}.")));
        }

        var detail = new OnCallResult(
            roster.ToImmutableDictionary(r => r.Key, r => r.Value.OrderBy(d => d.ToString(), StringComparer.Ordinal).ToImmutableArray()),
            rosterGiven,
            final.ToImmutableDictionary(),
            reads.Count,
            goOffs.Count(g => g.Call.Outcome == OpType.Ok),
            goOffs.Count(g => g.Call.Outcome == OpType.Fail),
            [.. findings]);
        return new CheckResult(Name, Calls.Verdict(anomalies.Count, problems, decided: true), anomalies.ToImmutable())
        {
            Detail = detail,
            Error = Calls.Error(problems, null),
        };
    }

    private static HashSet<Value> Roster(Dictionary<Value, HashSet<Value>> roster, Value shift)
    {
        if (!roster.TryGetValue(shift, out var doctors)) roster[shift] = doctors = [];
        return doctors;
    }

    private static Dictionary<Value, ImmutableArray<Value>>? ReadOnCall(in Call read, List<string> problems)
    {
        var value = read.Result;
        var where = Calls.Where(read.Complete, read.Completion!.Value);
        if (value.Kind != ValueKind.Map)
        {
            problems.Add($"read completed at {where}: value {value} is not a map of shift to doctors");
            return null;
        }
        var onCall = new Dictionary<Value, ImmutableArray<Value>>();
        foreach (var (shift, doctors) in value.Entries)
        {
            if (doctors.Kind is not (ValueKind.List or ValueKind.Set or ValueKind.Nil))
            {
                problems.Add($"read completed at {where}: doctors {doctors} of shift {shift} are not a list");
                return null;
            }
            onCall[shift] = doctors.Items;
        }
        return onCall;
    }
}

/// <summary>
/// What the on-call checker found: the roster it assumed (given or inferred), who is left on call
/// after every ok go-off-call, counts, and the anomalies as data.
/// </summary>
public sealed record OnCallResult(
    ImmutableDictionary<Value, ImmutableArray<Value>> Roster,
    bool RosterGiven,
    ImmutableDictionary<Value, ImmutableArray<Value>> FinalOnCall,
    int ReadsChecked,
    int GoOffCallOk,
    int GoOffCallFailed,
    ImmutableArray<OnCallFinding> Findings);

/// <summary>One anomaly of an on-call history, as data.</summary>
public abstract record OnCallFinding(Value Shift)
{
    /// <summary>An ok read (its invocation and completion positions) with nobody on call for <c>Shift</c>.</summary>
    public sealed record EmptyRead(int Read, int Completion, Value Shift) : OnCallFinding(Shift);

    /// <summary>
    /// The ok go-off-call transactions (invocation positions) that took the last doctors of the shift
    /// off call, with those doctors; <see cref="Concurrent"/> is false when the last one ran alone.
    /// </summary>
    public sealed record WriteSkew(Value Shift, ImmutableArray<int> Transactions, ImmutableArray<Value> Doctors, bool Concurrent)
        : OnCallFinding(Shift);
}
