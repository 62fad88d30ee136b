using System.Diagnostics;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Linearizability;
using Ddia.Verify.History;
using Ddia.Verify.History.Formats;

namespace Ddia.Verify.Harness.Cli;

/// <summary>What to check and how: the shared core of <c>check</c> and <c>corpus</c>.</summary>
public sealed record CheckRequest(string Path)
{
    public string? Model { get; init; }
    public HistoryFormat? Format { get; init; }
    public string? InitialValue { get; init; }
    public TimeSpan? Timeout { get; init; }
    public bool AllKeys { get; init; }

    /// <summary>EDN values are Jepsen independent tuples <c>[k v]</c>: split them into key and value.</summary>
    public bool Independent { get; init; }
}

/// <summary>A history read and checked, with the time each part took.</summary>
public sealed record CheckOutcome(
    HistoryFile File,
    string Model,
    bool ModelInferred,
    Value? InitialValue,
    LinearizabilityResult Result,
    TimeSpan ReadTime);

public static class LinearizabilityRun
{
    /// <summary>
    /// Reads the history (format detected from content unless given), builds the model (inferred
    /// from the ops' f when not given) and checks it. Input problems surface as
    /// <see cref="HistoryFormatException"/> or <see cref="UsageException"/>, both naming file and line.
    /// </summary>
    public static CheckOutcome Check(CheckRequest request, CancellationToken cancellation = default)
    {
        if (Directory.Exists(request.Path))
        {
            // A run directory: its streamed history, checked with what its test.json recorded (options given here win).
            var recorded = Run.RunStore.ReadCheckSettings(request.Path);
            request = request with
            {
                Path = Path.Combine(request.Path, Run.RunStore.HistoryFile),
                Model = request.Model ?? recorded.Model,
                InitialValue = request.InitialValue ?? recorded.InitialValue,
            };
        }
        var clock = Stopwatch.StartNew();
        var file = HistoryReader.Read(request.Path, request.Format, new EdnOptions { Independent = request.Independent });
        var readTime = clock.Elapsed;

        var inferred = request.Model is null;
        var modelName = request.Model ?? InferModel(file)
            ?? throw new UsageException($"{file.Path}: cannot tell which model fits these ops; choose one with --model ({string.Join(", ", ModelCatalog.Names)})");
        if (!ModelCatalog.Names.Contains(modelName))
            throw new UsageException($"unknown model '{modelName}'; expected one of {string.Join(", ", ModelCatalog.Names)}");
        var initial = request.InitialValue is null ? null : ParseValue(request.InitialValue);
        var model = ModelCatalog.Create(modelName, initial, file.Conventions);
        var options = new LinearizabilityOptions { Timeout = request.Timeout, StopAtFirstFailure = !request.AllKeys };
        try
        {
            var result = model.Check(file.History, options, cancellation);
            return new CheckOutcome(file, modelName, inferred, initial, result, readTime);
        }
        catch (CheckerInputException e)
        {
            throw new UsageException($"{file.Where(e.Position)}: {e.Message}");
        }
    }

    /// <summary>A value from the command line, as EDN (<c>0</c>, <c>nil</c>, <c>{:x 0 :y 0}</c>) or JSON.</summary>
    public static Value ParseValue(string text)
    {
        try
        {
            return EdnParser.ParseOne(text, "--initial-value");
        }
        catch (HistoryFormatException)
        {
            try
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                var reader = new System.Text.Json.Utf8JsonReader(bytes);
                reader.Read();
                var value = JsonlHistory.ReadValue(ref reader);
                if (reader.Read()) throw new UsageException($"--initial-value: '{text}' has text after the value");
                return value;
            }
            catch (System.Text.Json.JsonException)
            {
                throw new UsageException($"--initial-value: '{text}' is neither EDN nor JSON");
            }
        }
    }

    /// <summary>The model whose op names match the client ops, if exactly one family does.</summary>
    public static string? InferModel(HistoryFile file)
    {
        switch (file.Format)
        {
            case HistoryFormat.PorcupineEtcd: return "cas-register";
            case HistoryFormat.PorcupineKv: return "kv";
        }
        var fs = file.History.Where(o => o.IsClient).Select(o => o.F).ToHashSet();
        if (fs.Count == 0) return "cas-register";
        if (fs.IsSubsetOf(["read", "write", "cas"])) return fs.Contains("cas") ? "cas-register" : "register";
        if (fs.IsSubsetOf(["acquire", "release"])) return "mutex";
        if (fs.IsSubsetOf(["get", "put", "append"])) return "kv";
        if (fs.IsSubsetOf(["enqueue", "dequeue"])) return "fifo-queue";
        if (fs.IsSubsetOf(["add", "read"])) return "set";
        if (fs.SetEquals(["txn"]) && file.History.Any(o => o.IsClient && o.Value.Items.Any(m => m.Items.FirstOrDefault()?.AsText is "read" or "write")))
            return "multi-register";
        return null;
    }
}
