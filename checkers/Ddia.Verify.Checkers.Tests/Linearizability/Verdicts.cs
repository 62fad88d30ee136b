using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.Checkers.Linearizability.Models;
using Ddia.Verify.Checkers.Testing;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Linearizability;

/// <summary>Runs a history through the checker and, where it is small, through the brute-force oracle too.</summary>
internal static class Verdicts
{
    public static LinearizabilityResult Check(string model, HistoryList history, SourceConventions? conventions = null, Value? initial = null,
        LinearizabilityOptions? options = null) =>
        ModelCatalog.Create(model, initial, conventions).Check(history, options ?? new LinearizabilityOptions());

    /// <summary>The oracle's verdict, through the concrete model type (BruteForce needs the generic model).</summary>
    public static bool Oracle(LinearizabilityModel model, HistoryList history) => model switch
    {
        RegisterModel m => BruteForce.IsLinearizable(m, history),
        MultiRegisterModel m => BruteForce.IsLinearizable(m, history),
        KvModel m => BruteForce.IsLinearizable(m, history),
        MutexModel m => BruteForce.IsLinearizable(m, history),
        SetModel m => BruteForce.IsLinearizable(m, history),
        QueueModel m => BruteForce.IsLinearizable(m, history),
        _ => throw new ArgumentException($"no oracle for {model.Name}", nameof(model)),
    };

    /// <summary>Asserts the checker's verdict on a DSL history, and that the oracle agrees with it.</summary>
    public static void Expect(Validity expected, string model, string history, SourceConventions? conventions = null, Value? initial = null)
    {
        var h = Ops.Parse(history);
        var result = Check(model, h, conventions, initial);
        Assert.True(expected == result.Validity, $"{model}: expected {expected.Name()}, got {result.Validity.Name()} for {history}");
        var oracle = Oracle(ModelCatalog.Create(model, initial, conventions), h);
        Assert.True(oracle == (expected == Validity.Valid), $"{model}: the brute-force oracle says linearizable={oracle} for {history}");
    }
}
