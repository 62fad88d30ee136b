using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Ddia.Verify.Workloads.Counter;
using Ddia.Verify.Workloads.Set;

namespace Ddia.Verify.Systems.Adapters.Replication;

/// <summary>How <see cref="ReplicationClient"/> runs a workload on ddia-node's replication systems.</summary>
public sealed record ReplicationClientOptions
{
    /// <summary>register, set or counter: how ops map onto gets and puts. The default value is register.</summary>
    [RegularExpression("^(register|set|counter)$")] public string Workload { get; init; } = "register";

    /// <summary>The HTTP port every node listens on. The default value is 8080.</summary>
    [Range(1, 65535)] public int HttpPort { get; init; } = 8080;

    /// <summary>How long to wait for a TCP connection before the op fails. The default value is 1 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one op (all its requests) may take; then a read fails and a write is info. Keep it under the
    /// harness's op timeout, which makes every late op info. The default value is 4 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Reads go to the node the client was opened on, never after a leader (a single leader's followers serve
    /// reads with <c>--reads any</c>: that is what may be stale). Writes follow not-leader hints either way. The
    /// default value is false.</summary>
    public bool ReadsFromOwnNode { get; init; }

    /// <summary>A register write first gets the key and sends its context with the put, so it replaces the siblings it
    /// saw (version vectors: a blind put would add one more sibling). Off: a blind put, which is what a single leader
    /// needs (a put with a context is conditional there). The default value is false.</summary>
    public bool ReadBeforeWrite { get; init; }

    /// <summary>register: ops on key k use the node key "{KeyPrefix}{k}", ops without a key "{KeyPrefix}0". The default value is "r/".</summary>
    public string KeyPrefix { get; init; } = "r/";

    /// <summary>set: the set is spread over the node keys "{SetKeyPrefix}0" … "{SetKeyPrefix}{SetKeys-1}". The default value is "set/".</summary>
    public string SetKeyPrefix { get; init; } = "set/";

    /// <summary>set: how many keys the set is spread over (element e in key e mod SetKeys). The default value is 4.</summary>
    [Range(1, 1024)] public int SetKeys { get; init; } = 4;

    /// <summary>counter: the node key that holds the counter. The default value is "counter".</summary>
    [Required(AllowEmptyStrings = false)] public string CounterKey { get; init; } = "counter";

    /// <summary>These options for the set workload with <paramref name="set"/>'s keys.</summary>
    public ReplicationClientOptions ForSet(SetOptions set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return this with { Workload = "set", SetKeys = set.Keys };
    }

    /// <summary>These options for the counter workload with <paramref name="counter"/>'s key.</summary>
    public ReplicationClientOptions ForCounter(CounterOptions counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        return this with { Workload = "counter", CounterKey = counter.Key };
    }

    /// <summary>The node key of set storage key <paramref name="k"/>.</summary>
    public string SetKey(int k) => SetKeyPrefix + k.ToString(CultureInfo.InvariantCulture);

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
    }
}
