using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Workloads.Lock;

/// <summary>Knobs of the lock workload. Validated when the workload is built.</summary>
public sealed record LockOptions
{
    /// <summary>The lease each acquire asks for, in ms. The default value is 1000.</summary>
    [Range(1, int.MaxValue)] public long LeaseMs { get; init; } = 1000;

    /// <summary>The fraction of writes whose holder stalls before sending, drawn from the seed. The default value is 0.2.</summary>
    [Range(0.0, 1.0)] public double StallProbability { get; init; } = 0.2;

    /// <summary>How long a stalled holder pauses, in ms, or null for 3 × <see cref="LeaseMs"/>: long enough for the
    /// lease to expire and the next holder to write first. Keep it below the test's op timeout. The default value is null.</summary>
    [Range(0, int.MaxValue)] public long? StallMs { get; init; }

    public long EffectiveStallMs => StallMs ?? 3 * LeaseMs;

    internal void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
