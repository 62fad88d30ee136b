using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Workloads.Register;

/// <summary>Knobs of the register workload. Validated when the workload is built.</summary>
public sealed record RegisterOptions
{
    /// <summary>Written and compared values are drawn from 0..Values-1. Few values make cas succeed often. The default value is 5.</summary>
    [Range(1, int.MaxValue)] public int Values { get; init; } = 5;

    /// <summary>Relative weight of reads in the mix. The default value is 1.</summary>
    [Range(0, int.MaxValue)] public int ReadWeight { get; init; } = 1;

    /// <summary>Relative weight of writes in the mix. The default value is 1.</summary>
    [Range(0, int.MaxValue)] public int WriteWeight { get; init; } = 1;

    /// <summary>Relative weight of cas in the mix. The default value is 1.</summary>
    [Range(0, int.MaxValue)] public int CasWeight { get; init; } = 1;

    /// <summary>Independent keys only: ops per key before its group of threads moves to a fresh key.
    /// Bounds the linearizability search per key. The default value is 100.</summary>
    [Range(1, int.MaxValue)] public int OpsPerKey { get; init; } = 100;

    /// <summary>Independent keys only: client threads working on one key at a time; the concurrency
    /// must be a multiple of it. The default value is 2.</summary>
    [Range(1, int.MaxValue)] public int ThreadsPerKey { get; init; } = 2;

    /// <summary>Independent keys only: how many keys in all, or null for as many as the time limit allows. The default value is null.</summary>
    [Range(1, int.MaxValue)] public int? KeyCount { get; init; }

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (ReadWeight + WriteWeight + CasWeight <= 0)
            throw new ValidationException("at least one of ReadWeight, WriteWeight and CasWeight must be positive");
    }
}
