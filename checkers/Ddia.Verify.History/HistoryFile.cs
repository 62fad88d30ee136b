namespace Ddia.Verify.History;

/// <summary>The on-disk formats we read. Detection looks at content, never at the file name.</summary>
public enum HistoryFormat
{
    /// <summary>Our native JSON Lines (DESIGN.md §2).</summary>
    Jsonl,
    /// <summary>Jepsen / Knossos / Elle EDN: op maps in a vector, a list, or one after another.</summary>
    Edn,
    /// <summary>A JSON array of op objects (elle-cli's JSON).</summary>
    JsonArray,
    /// <summary>Porcupine's Jepsen etcd console logs ("INFO  jepsen.util - 3 :invoke :read nil").</summary>
    PorcupineEtcd,
    /// <summary>Porcupine's kv logs (one EDN map a line, :key and :value strings).</summary>
    PorcupineKv,
}

/// <summary>
/// How the source of a history meant what it wrote, where sources disagree (see
/// ../shared/corpora/*/FORMAT.md). Models read these; ops stay as written.
/// </summary>
public sealed record SourceConventions
{
    /// <summary>A read that returned nil: the key was absent (our JSONL, Porcupine) or the value is unknown (Knossos).</summary>
    public NilRead NilRead { get; init; } = NilRead.Absent;

    /// <summary>A failed cas: it did not happen (Jepsen, Knossos, ours) or its compare failed, which observes the state (Porcupine).</summary>
    public FailedCas FailedCas { get; init; } = FailedCas.DidNotHappen;

    public static SourceConventions Native { get; } = new();
    public static SourceConventions Knossos { get; } = new() { NilRead = NilRead.Unknown };
    public static SourceConventions Porcupine { get; } = new() { FailedCas = FailedCas.CompareFailed };
}

public enum NilRead { Absent, Unknown }

public enum FailedCas { DidNotHappen, CompareFailed }

/// <summary>A history read from a file, with what is needed to point at its lines.</summary>
public sealed record HistoryFile(
    string Path,
    HistoryFormat Format,
    History History,
    int[] Lines,
    SourceConventions Conventions,
    IReadOnlyList<string> Warnings)
{
    /// <summary>"file:line" of the op at <paramref name="position"/>.</summary>
    public string Where(int position) =>
        position >= 0 && position < Lines.Length ? $"{Path}:{Lines[position]}" : Path;
}
