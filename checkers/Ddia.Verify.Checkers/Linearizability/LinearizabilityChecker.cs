using System.Collections.Immutable;
using System.Text;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>
/// The linearizability checker as an <see cref="IChecker"/>: one anomaly per key that is not
/// linearizable, naming the op no linearization can complete and the states it would have had to run
/// in. The full <see cref="LinearizabilityResult"/> is the result's Detail, for reports.
/// </summary>
public sealed class LinearizabilityChecker(LinearizabilityModel model, LinearizabilityOptions? search = null) : IChecker
{
    public string Name => "linearizable";

    public CheckResult Check(HistoryList history, CheckOptions options, CancellationToken cancellation = default)
    {
        var o = (search ?? new LinearizabilityOptions()) with { Timeout = options.Timeout ?? search?.Timeout };
        var result = model.Check(history, o, cancellation);
        var anomalies = result.Failures.Select(p => Describe(p)).ToImmutableArray();
        return new CheckResult(Name, result.Validity, anomalies) { Detail = result, Error = result.UnknownReason };
    }

    private static Anomaly Describe(PartitionResult p)
    {
        var f = p.Failure!;
        var positions = f.Op.CompletionPosition >= 0 ? ImmutableArray.Create(f.Op.Position, f.Op.CompletionPosition) : [f.Op.Position];
        var text = new StringBuilder();
        text.Append(p.Key is null ? "" : $"Key {p.Key}: ").Append("no order of the ops consistent with real time can complete ").Append(f.Op).Append('.');
        text.Append(" When it had to take effect, the ").Append(f.CandidateStates.Count() == 1 ? "state was " : "state could only be one of ")
            .Append(string.Join(", ", f.CandidateStates)).Append(", in which it is impossible.");
        return new Anomaly("nonlinearizable", positions, text.ToString());
    }
}
