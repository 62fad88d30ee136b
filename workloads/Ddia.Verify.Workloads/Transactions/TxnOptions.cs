using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Workloads.Transactions;

/// <summary>Knobs of the list-append and rw-register workloads (Elle's generator shape). Validated when the workload is built.</summary>
public sealed record TxnOptions
{
    /// <summary>Keys in use at once; the i-th of them is picked with probability about 2^-(i+1) (a few hot keys, a tail of cold ones). The default value is 10.</summary>
    [Range(1, 64)] public int ActiveKeys { get; init; } = 10;

    /// <summary>After this many transactions the window of active keys moves on by one key, so no key's list grows without bound. The default value is 32.</summary>
    [Range(1, int.MaxValue)] public int TxnsPerKeyShift { get; init; } = 32;

    /// <summary>Micro-ops per transaction, at least. The default value is 1.</summary>
    [Range(1, 64)] public int MinLength { get; init; } = 1;

    /// <summary>Micro-ops per transaction, at most. The default value is 4.</summary>
    [Range(1, 64)] public int MaxLength { get; init; } = 4;

    /// <summary>Fraction of micro-ops that read. The default value is 0.5.</summary>
    [Range(0.0, 1.0)] public double ReadFraction { get; init; } = 0.5;

    /// <summary>The models the checker holds the history to. The default value is strict-serializable.</summary>
    public IReadOnlyList<string> ConsistencyModels { get; init; } = ["strict-serializable"];

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (MaxLength < MinLength) throw new ValidationException("MaxLength must be at least MinLength");
    }
}
