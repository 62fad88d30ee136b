using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Transactions;

/// <summary>Knobs of the bank workload. Validated when the workload is built.</summary>
public sealed record BankWorkloadOptions
{
    /// <summary>Accounts 0..Accounts-1 (a system may spread them over partitions). The default value is 8.</summary>
    [Range(2, 10_000)] public int Accounts { get; init; } = 8;

    /// <summary>Every account's balance before the test. The default value is 10.</summary>
    [Range(0, long.MaxValue / 10_000)] public long InitialBalance { get; init; } = 10;

    /// <summary>Transfers move 1..MaxTransfer. The default value is 5.</summary>
    [Range(1, long.MaxValue)] public long MaxTransfer { get; init; } = 5;

    /// <summary>Fraction of ops that read every account. The default value is 0.5.</summary>
    [Range(0.0, 1.0)] public double ReadFraction { get; init; } = 0.5;
}

/// <summary>
/// Jepsen's bank test (DDIA ch. 7 and 9): transfers between accounts and reads of all of them; every read
/// must see the same total and no negative balance. A transfer that would overdraw is refused by the
/// system (<c>fail</c>). Op shapes are <see cref="BankChecker"/>'s: <c>transfer</c> with
/// <c>{"from": a, "to": b, "amount": n}</c>; <c>read</c> invoked with nil, completed with a map account → balance.
/// The system creates the accounts with <see cref="InitialBalances"/> before the test.
/// </summary>
public static class BankWorkload
{
    public const string Transfer = "transfer";
    public const string Read = "read";

    public static Workload Create(BankWorkloadOptions? options = null)
    {
        var o = options ?? new BankWorkloadOptions();
        Validator.ValidateObject(o, new ValidationContext(o), validateAllProperties: true);
        var checker = new BankChecker(new BankOptions
        {
            Total = o.Accounts * o.InitialBalance,
            Accounts = [.. Accounts(o)],
        });
        // After the faults: a few reads of every account, so a total broken in the last fault window is seen.
        return new Workload("bank", Gen.Ops((_, random) => Next(o, random)), checker) { Final = Gen.Ops(Enumerable.Repeat(new OpTemplate(Read, Value.Nil), 3)) };
    }

    public static IEnumerable<Value> Accounts(BankWorkloadOptions o) => Enumerable.Range(0, o.Accounts).Select(a => Value.Of(a));

    /// <summary>What each account holds when the test starts.</summary>
    public static ImmutableDictionary<Value, long> InitialBalances(BankWorkloadOptions o) => Accounts(o).ToImmutableDictionary(a => a, _ => o.InitialBalance);

    /// <summary>The value of a transfer op.</summary>
    public static Value TransferValue(long from, long to, long amount) => Value.Map(
    [
        new(Value.Of("from"), Value.Of(from)),
        new(Value.Of("to"), Value.Of(to)),
        new(Value.Of("amount"), Value.Of(amount)),
    ]);

    private static OpTemplate Next(BankWorkloadOptions o, GenRandom random)
    {
        if (random.NextDouble() < o.ReadFraction) return new OpTemplate(Read, Value.Nil);
        var from = random.Next(o.Accounts);
        var to = (from + 1 + random.Next(o.Accounts - 1)) % o.Accounts;
        return new OpTemplate(Transfer, TransferValue(from, to, 1 + random.NextInt64(o.MaxTransfer)));
    }
}
