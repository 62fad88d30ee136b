using System.Globalization;

namespace Ddia.Verify.SystemBench;

/// <summary>The command line of <c>--isolation-levels</c>: <c>[--seconds N] [--warmup N] [--rounds N] [--clients 10,50]
/// [--keys N] [--levels a,b] [--mutation write|append] [--out PATH]</c>.</summary>
internal sealed record IsolationOptions
{
    public static readonly IReadOnlyList<string> AllLevels = ["read-committed", "snapshot", "serializable", "2pl", "serial"];

    public IReadOnlyList<string> Levels { get; init; } = AllLevels;
    public IReadOnlyList<int> Clients { get; init; } = [10, 50];
    public int Seconds { get; init; } = 8;
    public int WarmUpSeconds { get; init; } = 1;

    /// <summary>Per level and client count the median round (by committed/s) is reported.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Few keys, so that concurrent transactions meet on them.</summary>
    public int Keys { get; init; } = 8;

    /// <summary>write (the default) keeps every value one number; append grows the lists the reads return over the run,
    /// so that a level that commits more would pay more per read.</summary>
    public string Mutation { get; init; } = "write";

    public string Output { get; init; } = "bench/ISOLATION.md";

    /// <summary>Above the store's 5 s lock wait, so that a lock timeout comes back as the store's 409.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public static IsolationOptions Parse(IReadOnlyList<string> args)
    {
        var options = new IsolationOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = Positive(args[i], value) },
                "--warmup" => options with { WarmUpSeconds = Positive(args[i], value) },
                "--rounds" => options with { Rounds = Positive(args[i], value) },
                "--keys" => options with { Keys = Positive(args[i], value) },
                "--clients" => options with { Clients = [.. value.Split(',').Select(c => Positive(args[i], c))] },
                "--levels" => options with { Levels = ParseLevels(value) },
                "--mutation" when value is "write" or "append" => options with { Mutation = value },
                "--out" => options with { Output = value },
                _ => throw new ArgumentException($"unknown option {args[i]} {value}; options of --isolation-levels: --seconds N (8), --warmup N (1), --rounds N (3), --clients N,N (10,50), --keys N (8), --levels {string.Join(',', AllLevels)} (all), --mutation write|append (write), --out PATH (bench/ISOLATION.md)"),
            };
            i++;
        }
        return options;
    }

    /// <summary>The command line that reproduces these options, for the report's header.</summary>
    public string CommandLine()
    {
        var inv = CultureInfo.InvariantCulture;
        var line = string.Create(inv, $"dotnet run -c Release --project bench/Ddia.Verify.SystemBench -- --isolation-levels --seconds {Seconds} --rounds {Rounds} --clients {string.Join(',', Clients)} --keys {Keys}");
        if (WarmUpSeconds != 1) line += string.Create(inv, $" --warmup {WarmUpSeconds}");
        if (!Levels.SequenceEqual(AllLevels)) line += $" --levels {string.Join(',', Levels)}";
        if (Mutation != "write") line += $" --mutation {Mutation}";
        return line + $" --out {Output}";
    }

    private static List<string> ParseLevels(string value)
    {
        var levels = value.Split(',').ToList();
        foreach (var l in levels.Where(l => !AllLevels.Contains(l)))
            throw new ArgumentException($"--levels: unknown isolation level '{l}'; known: {string.Join(',', AllLevels)}");
        return levels;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive integer, not '{value}'");
}
