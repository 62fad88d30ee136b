using System.Collections.Immutable;
using System.Globalization;
using Ddia.Verify.Checkers;
using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Harness.Cli;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ddia.Verify.Harness.Compose;

/// <summary>
/// A campaign file (campaigns/README.md): a name, an optional seed, defaults and entries. Every key of an entry other
/// than <see cref="EntryKeys"/> is a flag of <c>ddia-verify run</c> (without "--"), and its value goes through
/// <see cref="RunFlags.Parse"/>, so a file and the command line accept exactly the same things. A list value is a
/// matrix axis: an entry runs once per combination of its lists' values, <c>repeat</c> times each. Every error names
/// the file, the line and column, and the field.
/// </summary>
public sealed record CampaignFile(string Path, string Name, ulong? Seed, IReadOnlyList<CampaignFileRun> Runs)
{
    /// <summary>The keys of an entry that are not run flags.</summary>
    public static readonly IReadOnlyList<string> EntryKeys = ["name", "repeat", "expect", "finds", "never-finds", "min-ok", "why"];

    /// <summary>The keys at the top of the file.</summary>
    public static readonly IReadOnlyList<string> TopKeys = ["name", "seed", "defaults", "entries"];

    /// <summary>Flags the campaign command sets for every run; a file may not.</summary>
    private static readonly IReadOnlyList<string> CommandFlags = ["store", "node-program", "name"];

    /// <summary>Flags that take a comma-separated list: in a file "+" joins their values too, since a comma inside a
    /// YAML flow list ([partition,kill, pause]) would split the list.</summary>
    private static readonly IReadOnlyList<string> ListFlags = ["nemesis", "partitions", "consistency-models"];

    /// <summary>More runs than this is a typo in a matrix, not a campaign.</summary>
    public const int MaxRuns = 2000;

    /// <summary>Reads and expands <paramref name="path"/>; any problem is a <see cref="UsageException"/> naming the
    /// file, line and field.</summary>
    public static CampaignFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot read the campaign file: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses and expands the campaign in <paramref name="yaml"/>; <paramref name="path"/> is what errors name.</summary>
    public static CampaignFile Parse(string yaml, string path)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new UsageException($"{path}:{e.Start.Line}:{e.Start.Column}: {StripMarks(e.Message)}");
        }
        var reader = new Reader(path);
        if (stream.Documents.Count == 0) throw new UsageException($"{path}: the campaign file is empty");
        if (stream.Documents.Count > 1) throw reader.Error(stream.Documents[1].RootNode, "", "one campaign per file (a second YAML document starts here)");
        var root = reader.Mapping(stream.Documents[0].RootNode, "the campaign");

        string? name = null;
        ulong? seed = null;
        YamlMappingNode? defaults = null;
        YamlSequenceNode? entries = null;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = reader.Key(keyNode);
            switch (key)
            {
                case "name": name = reader.Scalar(value, key); break;
                case "seed":
                    seed = ulong.TryParse(reader.Scalar(value, key), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                        ? s : throw reader.Error(value, key, "must be a whole number from 0 to 2^64-1");
                    break;
                case "defaults": defaults = reader.Mapping(value, key); break;
                case "entries": entries = value as YamlSequenceNode ?? throw reader.Error(value, key, "must be a list of entries"); break;
                default: throw reader.Error(keyNode, key, $"unknown key (the top of a campaign file has {string.Join(", ", TopKeys)})");
            }
        }
        if (entries is null || entries.Children.Count == 0) throw reader.Error(root, "entries", "the campaign has no entries");

        var defaultFlags = defaults is null ? [] : reader.Flags(defaults, "defaults");
        var runs = new List<CampaignFileRun>();
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in entries.Children)
        {
            foreach (var run in reader.Entry(entry, defaultFlags))
            {
                if (names.TryGetValue(run.Name, out var line))
                    throw reader.Error(run.NameNode, "name", $"duplicate run name '{run.Name}' (the entry at line {line} has it too)");
                names[run.Name] = run.NameNode.Start.Line;
                runs.Add(run.Run);
                if (runs.Count > MaxRuns) throw reader.Error(entry, "", $"more than {MaxRuns} runs: check the matrix");
            }
        }
        return new CampaignFile(path, name ?? System.IO.Path.GetFileNameWithoutExtension(path), seed, runs);
    }

    /// <summary>The campaign's runs, in file order: run i gets seed <paramref name="seed"/> + i, unless its entry fixes one.</summary>
    public IReadOnlyList<CampaignRun> Campaign(ulong seed) =>
        [.. Runs.Select((r, i) => new CampaignRun(r.Name, r.FixedSeed ? r.Options : r.Options with { Seed = unchecked(seed + (ulong)i) }, r.Expected, r.Why)
        {
            Finds = r.Finds,
            NeverFinds = r.NeverFinds,
            MinOk = r.MinOk,
        })];

    /// <summary>The file and line of the entry a run of this campaign came from ("campaigns/nightly.yaml:42").</summary>
    public string Where(string runName) =>
        Runs.FirstOrDefault(r => r.Name == runName) is { } run ? $"{Path}:{run.Line}" : Path;

    // YamlDotNet puts "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 9, Idx: 24): " before its message; we say where ourselves.
    private static string StripMarks(string message)
    {
        var colon = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && colon > 0 ? message[(colon + 3)..] : message;
    }

    /// <summary>A flag of an entry or of the defaults: its values (one, or a list: an axis) and where it was written.</summary>
    private sealed record Flag(string Key, IReadOnlyList<string> Values, bool IsAxis, YamlNode Node);

    private sealed record Expanded(string Name, YamlNode NameNode, CampaignFileRun Run);

    /// <summary>Reads nodes of one file, with errors that say where.</summary>
    private sealed class Reader(string path)
    {
        // Every kind a checker reports: a misspelt name would make an expectation vacuous (never found, never forbidden).
        private static readonly IReadOnlySet<string> KnownAnomalies = ConsistencyModels.AllAnomalies
            .Concat(InvariantAnomalies.Kinds.Keys)
            .Append("nonlinearizable")   // the linearizability checker's one kind
            .Append(Workloads.Lock.FencedWritesChecker.Kind)
            .ToHashSet(StringComparer.Ordinal);

        public UsageException Error(YamlNode node, string field, string message) =>
            new($"{path}:{node.Start.Line}:{node.Start.Column}: {(field.Length > 0 ? field + ": " : "")}{message}");

        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, "", $"{what} must be a mapping of keys to values");

        public string Key(YamlNode node) =>
            node is YamlScalarNode { Value: { Length: > 0 } key } ? key : throw Error(node, "", "a key must be a plain word");

        /// <summary>A scalar's text; null, "~" and an empty value are errors (every key needs a value).</summary>
        public string Scalar(YamlNode node, string field)
        {
            if (node is not YamlScalarNode scalar) throw Error(node, field, "must be a single value, not a list or a mapping");
            if (scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null"))
                throw Error(node, field, "needs a value");
            return scalar.Value;
        }

        /// <summary>One value or a list of values (an anomaly list: G0 or [G0, G1]).</summary>
        public ImmutableArray<string> Names(YamlNode node, string field) => node switch
        {
            YamlSequenceNode list => [.. list.Children.Select(c => Scalar(c, field))],
            _ => [Scalar(node, field)],
        };

        /// <summary>The run flags of a mapping (the defaults, or an entry without its own keys), each value checked
        /// alone against <see cref="RunFlags.Parse"/> so an error points at the value that is wrong.</summary>
        public List<Flag> Flags(YamlMappingNode mapping, string where, IEnumerable<string>? skip = null)
        {
            var skipped = (skip ?? []).ToHashSet(StringComparer.Ordinal);
            var flags = new List<Flag>();
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = Key(keyNode);
                if (skipped.Contains(key)) continue;
                if (CommandFlags.Contains(key))
                    throw Error(keyNode, key, key == "name" ? $"the {where} cannot name runs" : "set by the campaign command (ddia-verify campaign --" + key + "), not by a file");
                if (key.StartsWith('-')) throw Error(keyNode, key, $"write the flag without dashes: {key.TrimStart('-')}");
                if (EntryKeys.Contains(key)) throw Error(keyNode, key, $"belongs in an entry, not in the {where}");
                var isAxis = value is YamlSequenceNode;
                IReadOnlyList<string> values = value switch
                {
                    YamlSequenceNode { Children.Count: 0 } => throw Error(value, key, "an empty list: a matrix axis needs at least one value"),
                    YamlSequenceNode list => [.. list.Children.Select(c => Scalar(c, key))],
                    _ => [Scalar(value, key)],
                };
                if (values.Distinct(StringComparer.Ordinal).Count() != values.Count) throw Error(value, key, "a value is listed twice");
                foreach (var (v, node) in values.Zip(value is YamlSequenceNode s ? s.Children : [value]))
                {
                    try
                    {
                        RunFlags.Parse(["--" + key, FlagValue(key, v)]);
                    }
                    catch (UsageException e)
                    {
                        var unknown = e.Message.StartsWith("Unrecognized", StringComparison.Ordinal);
                        throw Error(node, key, unknown ? "not a flag of ddia-verify run (see ddia-verify run --help)" : e.Message);
                    }
                }
                flags.Add(new Flag(key, values, isAxis, keyNode));
            }
            return flags;
        }

        /// <summary>An entry's runs: every combination of its axes (and the defaults' axes it does not override), repeated.</summary>
        public IEnumerable<Expanded> Entry(YamlNode node, IReadOnlyList<Flag> defaults)
        {
            var entry = Mapping(node, "an entry");
            YamlNode? nameNode = null;
            string? name = null;
            var repeat = 1;
            var minOk = 0;
            Validity? expected = null;
            var why = "";
            ImmutableArray<string> finds = [], neverFinds = [];
            foreach (var (keyNode, value) in entry.Children)
            {
                var key = Key(keyNode);
                switch (key)
                {
                    case "name":
                        name = Scalar(value, key);
                        nameNode = value;
                        if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) throw Error(value, key, "a run name has no spaces");
                        break;
                    case "repeat":
                        repeat = int.TryParse(Scalar(value, key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxRuns
                            ? n : throw Error(value, key, $"must be a whole number from 1 to {MaxRuns}");
                        break;
                    case "min-ok":
                        minOk = int.TryParse(Scalar(value, key), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                            ? m : throw Error(value, key, "must be a whole number of client ops");
                        break;
                    case "expect":
                        expected = Scalar(value, key) switch
                        {
                            "valid" => Validity.Valid,
                            "invalid" => Validity.Invalid,
                            "unknown" => Validity.Unknown,
                            var other => throw Error(value, key, $"unknown expectation '{other}' (valid, invalid or unknown)"),
                        };
                        break;
                    case "finds" or "never-finds":
                        var names = Names(value, key);
                        foreach (var (anomaly, at) in names.Zip(value is YamlSequenceNode seq ? seq.Children : [value]))
                        {
                            if (!KnownAnomalies.Any(k => CampaignRun.Matches(anomaly, k)))
                                throw Error(at, key, $"no checker reports an anomaly named '{anomaly}'");
                        }
                        if (key == "finds") finds = names;
                        else neverFinds = names;
                        break;
                    case "why": why = Scalar(value, key); break;
                }
            }
            if (name is null || nameNode is null) throw Error(entry, "name", "every entry needs a name");
            if (expected is not { } expect) throw Error(entry, "expect", $"entry '{name}' says nothing about what it expects (expect: valid, invalid or unknown)");
            if (expect == Validity.Valid && !finds.IsEmpty) throw Error(entry, "finds", $"entry '{name}' expects valid but also anomalies it must find");

            var own = Flags(entry, "entry", EntryKeys);
            var flags = own.Concat(defaults.Where(d => own.All(o => o.Key != d.Key))).ToList();
            foreach (var combination in Product(flags))
            {
                var suffix = string.Concat(combination.Where(c => c.Flag.IsAxis).Select(c => "/" + c.Value));
                for (var i = 1; i <= repeat; i++)
                {
                    var runName = name + suffix + (repeat > 1 ? "/" + i.ToString(CultureInfo.InvariantCulture) : "");
                    var args = combination.SelectMany(c => new[] { "--" + c.Flag.Key, FlagValue(c.Flag.Key, c.Value) }).ToList();
                    RunOptions options;
                    try
                    {
                        options = RunFlags.Parse(args);
                    }
                    catch (UsageException e)
                    {
                        throw Error(nameNode, "name", $"run '{runName}': {e.Message}");
                    }
                    var run = new CampaignFileRun(runName, options with { Name = runName }, expect, why, finds, neverFinds,
                        checked((int)nameNode.Start.Line), args.Contains("--seed"), args) { MinOk = minOk };
                    yield return new Expanded(runName, nameNode, run);
                }
            }
        }

        private static string FlagValue(string key, string value) => ListFlags.Contains(key) ? value.Replace('+', ',') : value;

        /// <summary>Every combination of one value per flag, in file order (the first flag's value changes slowest).</summary>
        private static IEnumerable<IReadOnlyList<(Flag Flag, string Value)>> Product(IReadOnlyList<Flag> flags)
        {
            IEnumerable<IReadOnlyList<(Flag, string)>> combinations = [[]];
            foreach (var flag in flags)
            {
                combinations = combinations.SelectMany(c => flag.Values.Select(v => (IReadOnlyList<(Flag, string)>)[.. c, (flag, v)])).ToList();
            }
            return combinations;
        }
    }
}

/// <summary>
/// One run of a campaign file after expansion: its unique name, its options (the flags in <see cref="Args"/> through
/// <see cref="RunFlags.Parse"/>), what it must get, and the line of the entry it came from.
/// </summary>
public sealed record CampaignFileRun(
    string Name, RunOptions Options, Validity Expected, string Why, ImmutableArray<string> Finds, ImmutableArray<string> NeverFinds,
    int Line, bool FixedSeed, IReadOnlyList<string> Args)
{
    /// <summary>Client ops that must complete ok for the verdict to count (<see cref="CampaignRun.MinOk"/>).</summary>
    public int MinOk { get; init; }
}
