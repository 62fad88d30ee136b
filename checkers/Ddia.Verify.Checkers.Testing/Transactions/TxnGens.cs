using Ddia.Verify.Checkers.Transactions;
using CsCheck;

namespace Ddia.Verify.Checkers.Testing.Transactions;

/// <summary>
/// CsCheck generators of simulated transactional histories (<see cref="TxnSimulator"/>). Use them with
/// <c>Sample</c>, passing <c>print: s => Txns.Format(s.History)</c> to see a failing history in the DSL.
/// The size CsCheck shrinks by is the number of txns.
/// </summary>
public static class TxnGens
{
    /// <summary>Runs of <paramref name="settings"/> with 1..Transactions txns and a drawn seed.</summary>
    public static Gen<SimulatedHistory> Simulated(TxnSimulation settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Transactions, 1);
        return Gen.Select(Gen.Int[1, settings.Transactions], Gen.Int,
            (n, seed) => TxnSimulator.Run(settings with { Transactions = n, Seed = seed }));
    }

    /// <summary>
    /// Small runs of every isolation and workload, with 1..<paramref name="maxTransactions"/> txns, 1–6
    /// processes, 1–4 active keys that retire after 2–8 writes, and some info and fail outcomes: many
    /// shapes of history, for tests of parsers and checkers.
    /// </summary>
    public static Gen<SimulatedHistory> AnySimulated(int maxTransactions = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTransactions, 1);
        var shape = Gen.Select(Gen.Enum<TxnIsolation>(), Gen.Enum<TxnWorkload>(), Gen.Int[1, 6], Gen.Int[1, 4], Gen.Int[2, 8]);
        var rates = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[1, 4], Gen.Int);
        return Gen.Select(Gen.Int[1, maxTransactions], shape, rates, (n, sh, r) => TxnSimulator.Run(new TxnSimulation
        {
            Isolation = sh.Item1,
            Workload = sh.Item2,
            Processes = sh.Item3,
            ActiveKeys = sh.Item4,
            MaxWritesPerKey = sh.Item5,
            InfoRate = r.Item1 / 10.0,
            FailRate = r.Item2 / 10.0,
            MaxMops = r.Item3,
            Transactions = n,
            Seed = r.Item4,
        }));
    }
}
