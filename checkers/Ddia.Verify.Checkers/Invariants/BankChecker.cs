using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>Options of the bank checker.</summary>
public sealed record BankOptions
{
    /// <summary>The total every read must see. Null: the sum of the first ok read.</summary>
    public long? Total { get; init; }

    /// <summary>The accounts every read must show, no more and no fewer. Null: not checked.</summary>
    public IReadOnlyCollection<Value>? Accounts { get; init; }

    /// <summary>Whether balances may go below zero.</summary>
    public bool NegativeAllowed { get; init; }
}

/// <summary>
/// The bank invariant (DDIA ch. 7, Jepsen's bank test): transfers move money between accounts, so
/// every read sees the same total and, unless allowed, no negative balance.
/// <para>Op shapes (client ops only; nemesis ops are ignored):</para>
/// <list type="bullet">
/// <item><c>f "transfer"</c>, value <c>{"from": a, "to": b, "amount": n}</c> (any outcome; only used to
/// explain a wrong total).</item>
/// <item><c>f "read"</c>, ok completion value a map account → integer balance.</item>
/// </list>
/// Every ok read is checked: its sum against the expected total (<see cref="BankOptions.Total"/>, or
/// else the sum of the first ok read), its balances against zero, its accounts against
/// <see cref="BankOptions.Accounts"/>. A wrong total names the ok or info transfers concurrent with
/// the read whose amount is the difference: a read that saw half of one of them would explain it.
/// Anomaly kinds: <c>wrong-total</c>, <c>negative-balance</c>, <c>unexpected-account</c>,
/// <c>missing-account</c>. Detail: <see cref="BankResult"/>. A read whose value is not such a map is
/// reported (Unknown) and skipped; with no ok read at all the result is Unknown.
/// </summary>
public sealed class BankChecker(BankOptions? options = null) : IChecker
{
    private readonly BankOptions options = options ?? new BankOptions();

    public string Name => "bank";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var calls = new List<Call>();
        if (Calls.Collect(history, calls, cancellation) is { } unreadable) return CheckResult.Unknown(Name, unreadable);

        var problems = new List<string>();
        var transfers = new Dictionary<long, List<Call>>();   // by amount: a wrong total looks up its difference
        var reads = new List<(Call Call, ImmutableArray<KeyValuePair<Value, long>> Balances)>();
        foreach (var call in calls)
        {
            switch (call.Invocation.F)
            {
                case "transfer" when call.Outcome is OpType.Ok or OpType.Info:
                    // Only used to explain; a transfer without a readable amount explains nothing.
                    if (call.Invocation.Value.Get("amount") is { } a && a.TryGetLong(out var amount))
                    {
                        if (!transfers.TryGetValue(amount, out var same)) transfers[amount] = same = [];
                        same.Add(call);
                    }
                    break;
                case "read" when call.Outcome == OpType.Ok:
                    if (Balances(call, problems) is { } balances) reads.Add((call, balances));
                    break;
            }
        }
        if (reads.Count == 0)
            return new CheckResult(Name, Validity.Unknown, []) { Error = Calls.Error(problems, "no ok read of the accounts") };

        long expected;
        int? totalFrom = null;
        if (this.options.Total is { } total) expected = total;
        else
        {
            totalFrom = reads[0].Call.Invoke;
            if (Sum(reads[0].Balances) is not { } first)
                return CheckResult.Unknown(Name, $"the balances of the first read (at {Calls.Where(reads[0].Call.Invoke, reads[0].Call.Invocation)}) overflow");
            expected = first;
        }
        var source = totalFrom is { } from
            ? $"the sum of the first ok read (at position {from.ToString(CultureInfo.InvariantCulture)})"
            : "the configured total";

        var accounts = this.options.Accounts?.ToHashSet();
        var findings = new List<BankFinding>();
        var anomalies = ImmutableArray.CreateBuilder<Anomaly>();
        var badReads = 0;
        foreach (var (read, balances) in reads)
        {
            cancellation.ThrowIfCancellationRequested();
            var before = findings.Count;
            var sum = Sum(balances);
            var wide = sum is { } s ? (Int128)s - expected : (Int128?)null;
            if (sum is not { } readTotal || wide is not { } w || w > long.MaxValue || w <= long.MinValue)
                problems.Add($"read at {Calls.Where(read.Invoke, read.Invocation)}: its balances, or their difference from the total, overflow 64 bits");
            else if (readTotal != expected)
            {
                var difference = (long)w;
                var explaining = transfers.TryGetValue(Math.Abs(difference), out var candidates)
                    ? candidates.Where(t => t.ConcurrentWith(read)).ToList()
                    : [];
                findings.Add(new BankFinding.WrongTotal(read.Invoke, read.Complete, readTotal, expected, difference,
                    [.. explaining.Select(t => t.Invoke)]));
                var why = explaining.Count == 0
                    ? " No concurrent transfer moved that amount."
                    : $" A read that saw part of a transfer would explain it; concurrent transfers of {Math.Abs(difference).ToString(CultureInfo.InvariantCulture)}: " +
                      string.Join("; ", explaining.Take(5).Select(t => t.Describe())) + (explaining.Count > 5 ? $"; and {(explaining.Count - 5).ToString(CultureInfo.InvariantCulture)} more" : "") + ".";
                anomalies.Add(new Anomaly(InvariantAnomalies.WrongTotal, [read.Invoke, read.Complete, .. explaining.Select(t => t.Invoke)],
                    $"The {read.Describe()} sums to {readTotal.ToString(CultureInfo.InvariantCulture)}, but the total is " +
                    $"{expected.ToString(CultureInfo.InvariantCulture)} ({source}): {(difference > 0 ? "+" : "")}{difference.ToString(CultureInfo.InvariantCulture)}." + why));
            }
            foreach (var (account, balance) in balances)
            {
                if (balance >= 0 || this.options.NegativeAllowed) continue;
                findings.Add(new BankFinding.NegativeBalance(read.Invoke, read.Complete, account, balance));
                anomalies.Add(new Anomaly(InvariantAnomalies.NegativeBalance, [read.Invoke, read.Complete],
                    $"The {read.Describe()} shows account {account} at {balance.ToString(CultureInfo.InvariantCulture)}, below zero."));
            }
            if (accounts is not null)
            {
                var seen = balances.Select(b => b.Key).ToHashSet();
                foreach (var account in seen.Where(a => !accounts.Contains(a)))
                {
                    findings.Add(new BankFinding.UnexpectedAccount(read.Invoke, read.Complete, account));
                    anomalies.Add(new Anomaly(InvariantAnomalies.UnexpectedAccount, [read.Invoke, read.Complete],
                        $"The {read.Describe()} shows account {account}, which is not one of the bank's accounts."));
                }
                foreach (var account in accounts.Where(a => !seen.Contains(a)))
                {
                    findings.Add(new BankFinding.MissingAccount(read.Invoke, read.Complete, account));
                    anomalies.Add(new Anomaly(InvariantAnomalies.MissingAccount, [read.Invoke, read.Complete],
                        $"The {read.Describe()} does not show account {account}."));
                }
            }
            if (findings.Count > before) badReads++;
        }

        var detail = new BankResult(expected, totalFrom, reads.Count, badReads, [.. findings]);
        return new CheckResult(Name, Calls.Verdict(anomalies.Count, problems, decided: true), anomalies.ToImmutable())
        {
            Detail = detail,
            Error = Calls.Error(problems, null),
        };
    }

    private static ImmutableArray<KeyValuePair<Value, long>>? Balances(in Call read, List<string> problems)
    {
        var value = read.Result;
        var where = Calls.Where(read.Complete, read.Completion!.Value);
        if (value.Kind != ValueKind.Map)
        {
            problems.Add($"read completed at {where}: value {value} is not a map of account to balance");
            return null;
        }
        var balances = ImmutableArray.CreateBuilder<KeyValuePair<Value, long>>(value.Entries.Length);
        foreach (var (account, balance) in value.Entries)
        {
            if (!balance.TryGetLong(out var n))
            {
                problems.Add($"read completed at {where}: balance {balance} of account {account} is not an integer");
                return null;
            }
            balances.Add(new(account, n));
        }
        return balances.MoveToImmutable();
    }

    private static long? Sum(ImmutableArray<KeyValuePair<Value, long>> balances)
    {
        try
        {
            return balances.Aggregate(0L, (s, b) => checked(s + b.Value));
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}

/// <summary>
/// What the bank checker found. <see cref="TotalFromRead"/> is the position of the read whose sum was
/// taken as the total, or null when the total was configured.
/// </summary>
public sealed record BankResult(long ExpectedTotal, int? TotalFromRead, int ReadsChecked, int BadReads, ImmutableArray<BankFinding> Findings);

/// <summary>One anomaly of a bank history, as data: <c>Read</c> and <c>Completion</c> are the read's history positions.</summary>
public abstract record BankFinding(int Read, int Completion)
{
    /// <summary><paramref name="Transfers"/>: invocation positions of the concurrent transfers of exactly |difference|.</summary>
    public sealed record WrongTotal(int Read, int Completion, long Total, long Expected, long Difference, ImmutableArray<int> Transfers)
        : BankFinding(Read, Completion);

    public sealed record NegativeBalance(int Read, int Completion, Value Account, long Balance) : BankFinding(Read, Completion);

    public sealed record UnexpectedAccount(int Read, int Completion, Value Account) : BankFinding(Read, Completion);

    public sealed record MissingAccount(int Read, int Completion, Value Account) : BankFinding(Read, Completion);
}
