using Ddia.Verify.Checkers.Linearizability.Models;
using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability;

/// <summary>The models the CLI can name, built from a name, an initial value and the source's conventions.</summary>
public static class ModelCatalog
{
    public static IReadOnlyList<string> Names { get; } =
        ["register", "cas-register", "multi-register", "kv", "kv-map", "mutex", "set", "fifo-queue", "unordered-queue"];

    public static string Describe(string name) => name switch
    {
        "register" => "one register: read, write",
        "cas-register" => "one register: read, write, cas [from to]",
        "multi-register" => "registers in txns of [:read k v] / [:write k v]",
        "kv" => "string keys: get, put, append; each key checked alone",
        "kv-map" => "string keys: get, put, append; the whole map as one state",
        "mutex" => "a lock: acquire, release",
        "set" => "a set: add, read (all elements)",
        "fifo-queue" => "a FIFO queue: enqueue, dequeue",
        "unordered-queue" => "a bag: enqueue, dequeue any",
        _ => "",
    };

    /// <summary>Builds a model; throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static LinearizabilityModel Create(string name, Value? initialValue = null, SourceConventions? conventions = null) => name switch
    {
        "register" => new RegisterModel(initialValue, allowCas: false, conventions),
        "cas-register" => new RegisterModel(initialValue, allowCas: true, conventions),
        "multi-register" => new MultiRegisterModel(initialValue),
        "kv" => new KvModel(partition: true),
        "kv-map" => new KvModel(partition: false),
        "mutex" => new MutexModel(),
        "set" => new SetModel(),
        "fifo-queue" => new QueueModel(fifo: true),
        "unordered-queue" => new QueueModel(fifo: false),
        _ => throw new ArgumentException($"unknown model '{name}'; expected one of {string.Join(", ", Names)}", nameof(name)),
    };
}
