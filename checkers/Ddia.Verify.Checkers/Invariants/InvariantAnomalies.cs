using System.Collections.Frozen;

namespace Ddia.Verify.Checkers.Invariants;

/// <summary>
/// The anomaly kinds of the invariant checkers, as one table (STYLE G17): kind → the checker that
/// reports it and what it means. Every one of them makes a result Invalid, except <c>stale</c> from a set checker built for
/// an eventually consistent system (<see cref="SetChecker.Linearizable"/> false), which only reports it.
/// </summary>
public static class InvariantAnomalies
{
    public const string WrongTotal = "wrong-total";
    public const string NegativeBalance = "negative-balance";
    public const string UnexpectedAccount = "unexpected-account";
    public const string MissingAccount = "missing-account";
    public const string Lost = "lost";
    public const string Stale = "stale";
    public const string Unexpected = "unexpected";
    public const string OutOfBounds = "out-of-bounds";
    public const string WriteSkew = "write-skew";
    public const string EmptyRead = "empty-read";

    public static FrozenDictionary<string, (string Checker, string Meaning)> Kinds { get; } =
        new Dictionary<string, (string, string)>
        {
            [WrongTotal] = ("bank", "a read's balances do not sum to the bank's total"),
            [NegativeBalance] = ("bank", "a read shows an account below zero"),
            [UnexpectedAccount] = ("bank", "a read shows an account the bank does not have"),
            [MissingAccount] = ("bank", "a read leaves out one of the bank's accounts"),
            [Lost] = ("set", "an acknowledged add is missing from the last read"),
            [Stale] = ("set", "an acknowledged add is missing from a later read, then seen again"),
            [Unexpected] = ("set", "a read shows an element before any add of it began"),
            [OutOfBounds] = ("counter", "a read returns a value the counter could not have had while it ran"),
            [WriteSkew] = ("on-call", "go-off-call transactions leave a shift with nobody on call"),
            [EmptyRead] = ("on-call", "a read shows a shift with nobody on call"),
        }.ToFrozenDictionary(StringComparer.Ordinal);
}
