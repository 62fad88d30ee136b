using System.Collections.Immutable;
using System.CommandLine;
using System.Text;
using Ddia.Verify.Harness.Cli;
using Ddia.Verify.Harness.Compose;

namespace Ddia.Verify.Harness.Tests.Cli;

/// <summary>The command line a report shows must be one that <c>ddia-verify run</c> accepts and that means the same test.</summary>
public sealed class CommandLineTests
{
    public static TheoryData<string> Campaign() => [.. DefaultCampaign.Runs(7).Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Campaign))]
    public void CommandLine_OfEveryCampaignRun_ParsesBackToTheSameTest(string name)
    {
        var options = DefaultCampaign.Runs(7).Single(r => r.Name == name).Options with { Name = name };

        var words = ShellWords(options.CommandLine());

        Assert.Equal(("./ddia-verify", "run"), (words[0], words[1]));
        var parse = RunCommand.Create(TextWriter.Null).Parse(words[2..]);
        Assert.Empty(parse.Errors);
        Assert.Equal(options.System, parse.GetValue<string>("--system"));
        Assert.Equal(options.Workload, parse.GetValue<string>("--workload"));
        Assert.Equal(options.Seed, parse.GetValue<ulong?>("--seed"));
        Assert.Equal(options.TimeLimit.TotalSeconds, parse.GetValue<double>("--time-limit"), 3);
        Assert.Equal(options.Nemesis.IsDefaultOrEmpty ? "none" : string.Join(',', options.Nemesis), parse.GetValue<string>("--nemesis"));
        Assert.Equal(name, parse.GetValue<string?>("--name"));
    }

    [Fact]
    public void CommandLine_QuotesWordsAShellWouldSplitOrExpand()
    {
        var options = new RunOptions { System = "leaderless", Workload = "set", Name = "it's $HOME; rm -rf /", Seed = 3, Nemesis = ["partition", "kill"], W = 1 };

        var line = options.CommandLine();

        Assert.Contains("--name 'it'\\''s $HOME; rm -rf /'", line, StringComparison.Ordinal);
        Assert.Contains("--nemesis partition,kill", line, StringComparison.Ordinal);
        Assert.Contains("--w 1", line, StringComparison.Ordinal);
        Assert.DoesNotContain("--n ", line, StringComparison.Ordinal);   // left to the default: every node
        Assert.Equal("it's $HOME; rm -rf /", ShellWords(line)[^1]);
    }

    /// <summary>Splits a line as a POSIX shell does for the quoting <see cref="RunOptions.ShellQuote"/> uses: bare words and '…'.</summary>
    private static ImmutableArray<string> ShellWords(string line)
    {
        var words = ImmutableArray.CreateBuilder<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length) { word.Append(line[++i]); inWord = true; }
            else if (c == ' ')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(c); inWord = true; }
        }
        if (inWord) words.Add(word.ToString());
        return words.ToImmutable();
    }
}
