using System.ComponentModel.DataAnnotations;

namespace Ddia.Verify.Workloads.Counter;

/// <summary>Knobs of the counter workload. Validated when the workload is built.</summary>
public sealed record CounterOptions
{
    /// <summary>The storage key that holds the counter. The workload only passes it on: the client reads and writes it.
    /// The default value is "counter".</summary>
    [Required(AllowEmptyStrings = false)] public string Key { get; init; } = "counter";

    /// <summary>Reads after the faults are healed and the system had time to recover. The default value is 3.</summary>
    [Range(1, 100)] public int FinalReads { get; init; } = 3;

    internal void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
