using System.Collections.Immutable;
using Ddia.Verify.Checkers;
using Ddia.Verify.Generators;
using Ddia.Verify.History;
using Ddia.Verify.Workloads.Transactions;

namespace Ddia.Verify.Workloads.Tests.Transactions;

/// <summary>
/// The transactional workloads in virtual time against tiny in-memory databases: one that runs each
/// transaction atomically when it is invoked (so every verdict must be valid), and broken ones whose
/// anomaly each workload's checker must find.
/// </summary>
public sealed class TxnWorkloadTests
{
    private static readonly string[] ListAppendMops = ["append", "r"];
    private static readonly string[] RegisterMops = ["w", "r"];

    [Fact]
    public void ListAppend_EmitsShortTransactions_WithValuesUniquePerKey_OverAMovingWindowOfKeys()
    {
        var history = Sim.Run(Gen.Limit(2_000, TxnWorkloads.ListAppend().Generator), concurrency: 5);

        var txns = history.Invocations(TxnWorkloads.F);
        Assert.Equal(2_000, txns.Count);
        Assert.All(txns, t => Assert.InRange(t.Value.Items.Length, 1, 4));
        var mops = txns.SelectMany(t => t.Value.Items).ToList();
        Assert.All(mops, m => Assert.Contains(m.Items[0].AsText, ListAppendMops));
        var appends = mops.Where(m => m.Items[0].AsText == "append").Select(m => (m.Items[1], m.Items[2])).ToList();
        Assert.Equal(appends.Count, appends.Distinct().Count());
        Assert.InRange(mops.Count(m => m.Items[0].AsText == "r") / (double)mops.Count, 0.4, 0.6);
        Assert.True(mops.Select(m => m.Items[1].AsLong).Distinct().Count() > 20, "keys retire and fresh ones come in");
    }

    [Fact]
    public void ListAppend_OnAnAtomicDatabase_IsStrictSerializable()
    {
        var workload = TxnWorkloads.ListAppend();
        var history = Sim.Run(Gen.Limit(1_500, workload.Generator), concurrency: 6, seed: 2, AtomicLists(staleReads: false)).AsHistory();
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.True(result.Validity == Validity.Valid, string.Join("; ", result.Anomalies.Select(a => a.Kind)));
    }

    [Fact]
    public void ListAppend_OnADatabaseThatServesStaleReads_IsCaught()
    {
        var workload = TxnWorkloads.ListAppend(new TxnOptions { ActiveKeys = 3 });
        var history = Sim.Run(Gen.Limit(1_500, workload.Generator), concurrency: 6, seed: 2, AtomicLists(staleReads: true)).AsHistory();
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(Validity.Invalid, result.Validity);
        Assert.Contains(result.Anomalies, a => a.Kind.StartsWith("G-single", StringComparison.Ordinal) || a.Kind.StartsWith("G2", StringComparison.Ordinal));
    }

    [Fact]
    public void RwRegister_OnAnAtomicDatabase_IsStrictSerializable()
    {
        var workload = TxnWorkloads.RwRegister();
        var history = Sim.Run(Gen.Limit(1_500, workload.Generator), concurrency: 6, seed: 3, AtomicLists(staleReads: false, registers: true)).AsHistory();
        Assert.All(history.Where(o => o.IsInvoke).SelectMany(o => o.Value.Items), m => Assert.Contains(m.Items[0].AsText, RegisterMops));
        Assert.Equal(Validity.Valid, workload.Checker.Check(history, new CheckOptions()).Validity);
    }

    [Theory]
    [InlineData(false, Validity.Valid)]
    [InlineData(true, Validity.Invalid)]
    public void Bank_TotalHoldsOnAnAtomicDatabase_AndALostCreditIsCaught(bool loseCredits, Validity expected)
    {
        var options = new BankWorkloadOptions { Accounts = 4, InitialBalance = 10 };
        var workload = BankWorkload.Create(options);
        var history = Sim.Run(Gen.Limit(600, workload.Generator), concurrency: 4, seed: 4, Bank(options, loseCredits)).AsHistory();
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(expected, result.Validity);
        if (loseCredits) Assert.Contains(result.Anomalies, a => a.Kind == "wrong-total");
    }

    [Theory]
    [InlineData(false, Validity.Valid)]
    [InlineData(true, Validity.Invalid)]
    public void OnCall_GuardHoldsOnAnAtomicDatabase_AndAStaleGuardLeavesAShiftEmpty(bool staleGuard, Validity expected)
    {
        var options = new OnCallWorkloadOptions { Shifts = 20, OpsPerShift = 8, ReadFraction = 0.2 };
        var workload = OnCallWorkload.Create(options);
        var history = Sim.Run(workload.Generator, concurrency: 4, seed: 5, OnCall(options, staleGuard)).AsHistory();
        var result = workload.Checker.Check(history, new CheckOptions());
        Assert.Equal(expected, result.Validity);
        if (staleGuard) Assert.Contains(result.Anomalies, a => a.Kind is "write-skew" or "empty-read");
    }

    private static long Latency(GenRandom random) => 1_000_000 + random.NextInt64(4_000_000);

    /// <summary>
    /// Lists (list-append) or registers (rw-register) per key, each transaction run whole when invoked. With
    /// <paramref name="staleReads"/>, reads see the database as it was 4 transactions ago.
    /// </summary>
    private static Completer AtomicLists(bool staleReads, bool registers = false)
    {
        var state = new Dictionary<Value, List<Value>>();
        var past = new Queue<Dictionary<Value, List<Value>>>();
        return (op, random) =>
        {
            past.Enqueue(state.ToDictionary(p => p.Key, p => p.Value.ToList()));
            var seen = staleReads && past.Count > 4 ? past.Dequeue() : state;
            var mops = op.Value.Items.Select(m =>
            {
                var (f, key) = (m.Items[0].AsText, m.Items[1]);
                switch (f)
                {
                    case "append":
                        Append(state, key, m.Items[2]);
                        if (seen != state) Append(seen, key, m.Items[2]);
                        return m;
                    case "w":
                        state[key] = [m.Items[2]];
                        if (seen != state) seen[key] = [m.Items[2]];
                        return m;
                    default:
                        var list = seen.GetValueOrDefault(key);
                        var result = registers ? list?[^1] ?? Value.Nil : Value.List((list ?? []).ToImmutableArray());
                        return Value.List(m.Items[0], key, result);
                }
            }).ToArray();
            return (op with { Type = OpType.Ok, Value = Value.List(mops) }, Latency(random));
        };

        static void Append(Dictionary<Value, List<Value>> s, Value key, Value v)
        {
            if (!s.TryGetValue(key, out var list)) s[key] = list = [];
            list.Add(v);
        }
    }

    /// <summary>Transfers refuse to overdraw; with <paramref name="loseCredits"/>, every fifth transfer debits but never credits.</summary>
    private static Completer Bank(BankWorkloadOptions options, bool loseCredits)
    {
        var balances = BankWorkload.InitialBalances(options).ToDictionary();
        var transfers = 0;
        return (op, random) =>
        {
            if (op.F == BankWorkload.Read)
                return (op with { Type = OpType.Ok, Value = Value.Map([.. balances.Select(p => KeyValuePair.Create(p.Key, Value.Of(p.Value)))]) }, Latency(random));
            var (from, to, amount) = (op.Value.Get("from")!, op.Value.Get("to")!, op.Value.Get("amount")!.AsLong);
            if (balances[from] < amount) return (op with { Type = OpType.Fail }, Latency(random));
            balances[from] -= amount;
            if (!loseCredits || ++transfers % 5 != 0) balances[to] += amount;
            return (op with { Type = OpType.Ok }, Latency(random));
        };
    }

    /// <summary>A doctor goes off call only if two are on; with <paramref name="staleGuard"/>, the guard counts the shift as it was one op ago.</summary>
    private static Completer OnCall(OnCallWorkloadOptions options, bool staleGuard)
    {
        var onCall = OnCallWorkload.Roster(options).ToDictionary(p => p.Key, p => p.Value.ToHashSet());
        Dictionary<Value, int> before = onCall.ToDictionary(p => p.Key, p => p.Value.Count);
        return (op, random) =>
        {
            if (op.F == OnCallWorkload.Read)
            {
                var map = Value.Map([.. onCall.Select(p => KeyValuePair.Create(p.Key, Value.List(p.Value.ToImmutableArray())))]);
                return (op with { Type = OpType.Ok, Value = map }, Latency(random));
            }
            var (shift, doctor) = (op.Value.Get("shift")!, op.Value.Get("doctor")!);
            var count = staleGuard ? before[shift] : onCall[shift].Count;
            before = onCall.ToDictionary(p => p.Key, p => p.Value.Count);
            if (count < 2 || !onCall[shift].Contains(doctor)) return (op with { Type = OpType.Fail }, Latency(random));
            onCall[shift].Remove(doctor);
            return (op with { Type = OpType.Ok }, Latency(random));
        };
    }
}
