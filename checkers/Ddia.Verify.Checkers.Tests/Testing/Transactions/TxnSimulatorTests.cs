using Ddia.Verify.Checkers.Transactions;
using CsCheck;
using Ddia.Verify.Checkers.Testing.Transactions;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Testing.Transactions;

/// <summary>
/// The simulated databases keep the history contract and their ground truth holds. The replays here
/// are written from the micro-op encoding alone, independently of the simulator's code.
/// </summary>
public sealed class TxnSimulatorTests
{
    private static string Print(SimulatedHistory s) => Txns.Format(s.History);

    private static readonly TxnSimulation Si3Keys = new()
    {
        Isolation = TxnIsolation.SnapshotIsolation, Transactions = 2_000, Processes = 10, ActiveKeys = 3,
    };

    [Fact]
    public void Run_WithTheSameSeed_GivesTheSameHistoryAndTruth()
    {
        foreach (var isolation in Enum.GetValues<TxnIsolation>())
        {
            var settings = new TxnSimulation { Isolation = isolation, Transactions = 3_000, InfoRate = 0.05, FailRate = 0.05, Seed = 7 };
            var a = TxnSimulator.Run(settings);
            var b = TxnSimulator.Run(settings);
            var c = TxnSimulator.Run(settings with { Seed = 8 });

            Assert.Equal<Op>(a.History, b.History);
            Assert.Equal(a.CommitOrder, b.CommitOrder);
            Assert.Equal(a.DangerousPairs, b.DangerousPairs);
            Assert.Equal(a.LostUpdates, b.LostUpdates);
            Assert.NotEqual<Op>(a.History, c.History);
        }
    }

    [Fact]
    public void AnySimulated_KeepsTheHistoryContract() =>
        TxnGens.AnySimulated(60).Sample(s =>
        {
            var h = s.History;
            Assert.Empty(h.Problems);
            Assert.Equal(2 * s.Settings.Transactions, h.Count);
            var retired = new HashSet<int>();
            for (var i = 0; i < h.Count; i++)
            {
                var op = h[i];
                Assert.Equal(i, op.Index);
                Assert.Equal("txn", op.F);
                Assert.Null(op.Key);
                if (i > 0) Assert.True(h[i - 1].Time < op.Time);
                if (!op.IsInvoke) continue;
                var c = h.CompletionOf(i);
                Assert.True(c > i, $"txn at {i} has no completion");
                Assert.InRange(op.Value.Items.Length, s.Settings.MinMops, s.Settings.MaxMops);
                Assert.All(op.Value.Items, m => Assert.True(m.Items[0].AsText != "r" || m.Items[2].IsNil));
                if (h[c].Type != OpType.Ok) Assert.Equal(op.Value, h[c].Value);
                Assert.DoesNotContain(op.Process, retired);
                if (h[c].Type == OpType.Info) retired.Add(op.Process);
            }
            Assert.All(s.CommitOrder, p => Assert.True(h[p].IsInvoke && h.OutcomeOf(p) != OpType.Fail));
            Assert.Equal(s.CommitOrder.Count, s.CommitOrder.Distinct().Count());
            var okCount = Enumerable.Range(0, h.Count).Count(p => h[p].IsInvoke && h.OutcomeOf(p) == OpType.Ok);
            Assert.Equal(okCount, s.CommitOrder.Count(p => h.OutcomeOf(p) == OpType.Ok));
        }, iter: 300, print: Print);

    [Fact]
    public void AnySimulated_WritesEachValueOfAKeyOnce() =>
        TxnGens.AnySimulated(80).Sample(s =>
        {
            var writes = s.History.Where(o => o.IsInvoke).SelectMany(o => o.Value.Items).Where(m => m.Items[0].AsText != "r")
                .Select(m => (m.Items[1], m.Items[2])).ToList();
            Assert.Equal(writes.Count, writes.Distinct().Count());
            // A key gets at most MaxWritesPerKey writes before it retires.
            Assert.All(writes.GroupBy(w => w.Item1), g => Assert.True(g.Count() <= s.Settings.MaxWritesPerKey));
        }, iter: 300, print: Print);

    [Theory]
    [InlineData(TxnWorkload.ListAppend)]
    [InlineData(TxnWorkload.RwRegister)]
    public void Serializable_ReplayedInCommitOrder_ReproducesEveryOkRead(TxnWorkload workload) =>
        TxnGens.Simulated(new TxnSimulation
        {
            Workload = workload, Transactions = 300, Processes = 6, ActiveKeys = 3, MaxWritesPerKey = 20, InfoRate = 0.1, FailRate = 0.1,
        }).Sample(s =>
        {
            var h = s.History;
            var state = new State();
            foreach (var p in s.CommitOrder)
            {
                var c = h.CompletionOf(p);
                if (h[c].Type == OpType.Ok) state.RunAndCheck(h[c].Value, p);
                else state.Apply(h[p].Value);
            }
            // Every ok txn committed: the replay checked them all.
            Assert.Equal(Enumerable.Range(0, h.Count).Count(p => h[p].IsInvoke && h.OutcomeOf(p) == OpType.Ok),
                s.CommitOrder.Count(p => h.OutcomeOf(p) == OpType.Ok));
        }, iter: 100, print: Print);

    [Theory]
    [InlineData(TxnWorkload.ListAppend)]
    [InlineData(TxnWorkload.RwRegister)]
    public void SnapshotIsolation_EveryOkReadIsItsSnapshotPlusOwnWrites(TxnWorkload workload) =>
        TxnGens.Simulated(new TxnSimulation
        {
            Isolation = TxnIsolation.SnapshotIsolation, Workload = workload, Transactions = 300, Processes = 8, ActiveKeys = 3,
            MaxWritesPerKey = 30, InfoRate = 0.1, FailRate = 0.05,
        }).Sample(s =>
        {
            var h = s.History;
            var ok = Enumerable.Range(0, h.Count).Where(p => h[p].IsInvoke && h.OutcomeOf(p) == OpType.Ok)
                .OrderBy(s.SnapshotOf).ToList();
            var state = new State();
            var applied = 0;
            foreach (var p in ok)
            {
                var snapshot = s.SnapshotOf(p);
                Assert.InRange(snapshot, 0, s.CommitOrder.Count);
                Assert.True(s.CommitOrder.Take(snapshot).All(q => q != p), "a txn's snapshot holds its own commit");
                while (applied < snapshot) state.Apply(h[s.CommitOrder[applied++]].Value);
                state.Copy().RunAndCheck(h[h.CompletionOf(p)].Value, p);
            }
        }, iter: 100, print: Print);

    [Theory]
    [InlineData(TxnIsolation.Serializable)]
    [InlineData(TxnIsolation.SnapshotIsolation)]
    [InlineData(TxnIsolation.ReadCommitted)]   // its write locks keep reads of own writes in the final order
    public void ListAppendReads_ArePrefixesOfTheFinalLists(TxnIsolation isolation) =>
        TxnGens.Simulated(new TxnSimulation
        {
            Isolation = isolation, Transactions = 400, ActiveKeys = 4, MaxWritesPerKey = 40, InfoRate = 0.1,
        }).Sample(s =>
        {
            var h = s.History;
            var final = new State();
            foreach (var p in s.CommitOrder) final.Apply(h[p].Value);
            foreach (var op in h)
            {
                if (op.Type != OpType.Ok) continue;
                foreach (var m in op.Value.Items.Where(m => m.Items[0].AsText == "r"))
                {
                    var read = m.Items[2].Items;
                    var all = final.ListOf(m.Items[1]);
                    Assert.True(read.Length <= all.Count && read.SequenceEqual(all.Take(read.Length)), $"{m} is not a prefix of {Value.List(all.ToArray())}");
                }
            }
        }, iter: 100, print: Print);

    [Fact]
    public void SnapshotIsolation_With3ActiveKeys_HasWriteSkewForMostSeeds()
    {
        var withSkew = 0;
        for (var seed = 0; seed < 10; seed++)
        {
            var s = TxnSimulator.Run(Si3Keys with { Seed = seed });
            Assert.Equal(Independent.DangerousPairs(s), s.DangerousPairs.ToHashSet());
            if (s.DangerousPairs.Count > 0) withSkew++;
        }
        Assert.True(withSkew >= 8, $"only {withSkew} of 10 seeds had a write skew");
    }

    [Fact]
    public void SnapshotIsolation_DangerousPairs_AreWhatTheHistoryAndTruthSay() =>
        TxnGens.Simulated(Si3Keys with { Transactions = 300, InfoRate = 0.1, FailRate = 0.05 }).Sample(s =>
            Assert.Equal(Independent.DangerousPairs(s), s.DangerousPairs.ToHashSet()), iter: 50, print: Print);

    [Theory]
    [InlineData(TxnWorkload.ListAppend)]
    [InlineData(TxnWorkload.RwRegister)]
    public void ReadCommitted_LosesUpdatesForMostSeeds(TxnWorkload workload)
    {
        var withLoss = 0;
        for (var seed = 0; seed < 10; seed++)
        {
            var s = TxnSimulator.Run(new TxnSimulation
            {
                Isolation = TxnIsolation.ReadCommitted, Workload = workload, Transactions = 2_000, ActiveKeys = 3, Seed = seed,
            });
            if (s.LostUpdates.Count > 0) withLoss++;
            var h = s.History;
            foreach (var (first, second, key) in s.LostUpdates)
            {
                var a = h[h.CompletionOf(first)];
                var b = h[h.CompletionOf(second)];
                Assert.Equal(OpType.Ok, a.Type);
                Assert.Equal(OpType.Ok, b.Type);
                // Both read the key before writing it, and saw the same thing (a list, or a unique value).
                var readA = ReadBeforeWrite(a.Value, key);
                Assert.NotNull(readA);
                Assert.True(readA == ReadBeforeWrite(b.Value, key), $"seed {seed}: {first} {a.Value} vs {second} {b.Value}");
            }
            Assert.Empty(s.DangerousPairs);
            Assert.Equal(Independent.SameReadThenWrite(s), s.LostUpdates.ToHashSet());
        }
        Assert.True(withLoss >= 8, $"only {withLoss} of 10 seeds lost an update");
    }

    [Fact]
    public void SerializableAndSnapshotIsolation_LoseNoUpdates()
    {
        foreach (var isolation in new[] { TxnIsolation.Serializable, TxnIsolation.SnapshotIsolation })
        {
            var s = TxnSimulator.Run(Si3Keys with { Isolation = isolation, Seed = 3 });
            Assert.Empty(s.LostUpdates);
            Assert.Empty(Independent.SameReadThenWrite(s));
        }
        Assert.Empty(TxnSimulator.Run(Si3Keys with { Isolation = TxnIsolation.Serializable }).DangerousPairs);
    }

    [Fact]
    public void Run_RetiresEachKeyAtMaxWritesPerKey()
    {
        var s = TxnSimulator.Run(new TxnSimulation { Transactions = 20_000, ActiveKeys = 5, MaxWritesPerKey = 50, Seed = 1 });

        var writes = s.History.Where(o => o.IsInvoke).SelectMany(o => o.Value.Items).Where(m => m.Items[0].AsText == "append")
            .GroupBy(m => m.Items[1].AsLong).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(writes.Count > 20_000 * 2.5 * 0.5 / 50 * 0.8, $"{writes.Count} keys");
        Assert.All(writes.Values, n => Assert.True(n <= 50));
        // All keys but the last few to join reach the limit.
        Assert.True(writes.Count(w => w.Value == 50) >= writes.Count - 5);
    }

    /// <summary>What the txn's first access of the key read, if it was a read and the txn later wrote the key.</summary>
    private static Value? ReadBeforeWrite(Value txn, Value key)
    {
        var accesses = txn.Items.Where(m => m.Items[1] == key).ToList();
        return accesses[0].Items[0].AsText == "r" && accesses.Any(m => m.Items[0].AsText != "r") ? accesses[0].Items[2] : null;
    }

    /// <summary>Per-key state of a database replayed from micro-ops: a list (append) or a register (w).</summary>
    private sealed class State
    {
        private readonly Dictionary<Value, List<Value>> lists = [];
        private readonly Dictionary<Value, Value> registers = [];

        public State Copy()
        {
            var copy = new State();
            foreach (var (k, v) in lists) copy.lists[k] = [.. v];
            foreach (var (k, v) in registers) copy.registers[k] = v;
            return copy;
        }

        public List<Value> ListOf(Value key) => lists.TryGetValue(key, out var l) ? l : [];

        /// <summary>Applies the writes of a txn (reads are ignored).</summary>
        public void Apply(Value txn)
        {
            foreach (var m in txn.Items) Write(m);
        }

        /// <summary>Runs a completed txn in order, asserting that each read returned the state at that point.</summary>
        public void RunAndCheck(Value txn, int position)
        {
            foreach (var m in txn.Items)
            {
                if (m.Items[0].AsText != "r")
                {
                    Write(m);
                    continue;
                }
                var key = m.Items[1];
                var expected = m.Items[2].Kind == ValueKind.List || lists.ContainsKey(key)
                    ? Value.List(ListOf(key).ToArray())
                    : registers.GetValueOrDefault(key, Value.Nil);
                Assert.True(expected == m.Items[2], $"txn at {position}: read {m}, but the state was {expected}");
            }
        }

        private void Write(Value m)
        {
            var key = m.Items[1];
            switch (m.Items[0].AsText)
            {
                case "append":
                    if (!lists.TryGetValue(key, out var l)) lists[key] = l = [];
                    l.Add(m.Items[2]);
                    break;
                case "w":
                    registers[key] = m.Items[2];
                    break;
            }
        }
    }

    /// <summary>The ground truth recomputed from the history, the commit order and the snapshots alone.</summary>
    private static class Independent
    {
        public static HashSet<TxnPair> DangerousPairs(SimulatedHistory s)
        {
            var h = s.History;
            var rank = new Dictionary<int, int>();
            for (var i = 0; i < s.CommitOrder.Count; i++) rank[s.CommitOrder[i]] = i + 1;   // seen by snapshots ≥ i + 1
            var ok = s.CommitOrder.Where(p => h.OutcomeOf(p) == OpType.Ok).ToList();
            var pairs = new HashSet<TxnPair>();
            foreach (var a in ok)
            {
                foreach (var b in ok)
                {
                    if (a >= b) continue;
                    var concurrent = s.SnapshotOf(a) < rank[b] && s.SnapshotOf(b) < rank[a];
                    if (concurrent && ReadsWhatOtherWrites(h[a].Value, h[b].Value) && ReadsWhatOtherWrites(h[b].Value, h[a].Value))
                        pairs.Add(new TxnPair(a, b));
                }
            }
            return pairs;
        }

        private static bool ReadsWhatOtherWrites(Value reader, Value writer) =>
            reader.Items.Where(m => m.Items[0].AsText == "r").Select(m => m.Items[1])
                .Intersect(writer.Items.Where(m => m.Items[0].AsText != "r").Select(m => m.Items[1])).Any();

        /// <summary>
        /// Ok txn pairs whose external reads of a key returned the same thing and that both wrote the key
        /// (a list, or a register value, stands for one version because every written value is unique).
        /// </summary>
        public static HashSet<LostUpdate> SameReadThenWrite(SimulatedHistory s)
        {
            var h = s.History;
            var found = new HashSet<LostUpdate>();
            var seen = new Dictionary<(Value, Value), List<int>>();
            for (var p = 0; p < h.Count; p++)
            {
                if (!h[p].IsInvoke || h.OutcomeOf(p) != OpType.Ok) continue;
                var done = h[h.CompletionOf(p)].Value;
                foreach (var key in done.Items.Select(m => m.Items[1]).Distinct())
                {
                    if (ReadBeforeWrite(done, key) is not { } read) continue;
                    if (!seen.TryGetValue((key, read), out var others)) seen[(key, read)] = others = [];
                    foreach (var other in others) found.Add(new LostUpdate(other, p, key));
                    others.Add(p);
                }
            }
            return found;
        }
    }
}
