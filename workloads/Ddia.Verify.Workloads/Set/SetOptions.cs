using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Workloads.Set;

/// <summary>Knobs of the set workload. Validated when the workload is built.</summary>
public sealed record SetOptions
{
    /// <summary>Storage keys the set is spread over (element e lives in key e mod Keys). The workload only passes it on:
    /// the client reads and writes the keys. The default value is 4.</summary>
    [Range(1, 1024)] public int Keys { get; init; } = 4;

    /// <summary>Whether the system promises a linearizable set: a stale read (an acknowledged element missing, then seen
    /// again) then makes the result invalid. False for eventually consistent systems, where only lost and unexpected
    /// elements do. The default value is true.</summary>
    public bool Linearizable { get; init; } = true;

    /// <summary>Reads after the faults are healed and the system had time to recover, so lost elements are seen. The
    /// default value is 3.</summary>
    [Range(1, 100)] public int FinalReads { get; init; } = 3;

    internal void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
