using Ddia.Verify.History;
using ScottPlot;

namespace Ddia.Verify.Reports.Plots;

/// <summary>One colour per completion type, per fault kind and per node, shared by every plot and the page's legend.</summary>
internal static class Palette
{
    // As hex for the HTML and SVG the report writes itself (the timeline's legend, the linearizability diagram).
    public const string OkHex = "#2ca02c";
    public const string FailHex = "#d62728";
    public const string InfoHex = "#ff7f0e";

    public static Color Ok { get; } = Color.FromHex(OkHex);
    public static Color Fail { get; } = Color.FromHex(FailHex);
    public static Color Info { get; } = Color.FromHex(InfoHex);

    public static Color Of(OpType type) => type switch
    {
        OpType.Ok => Ok,
        OpType.Fail => Fail,
        _ => Info,
    };

    private static readonly Dictionary<string, string> KnownFaults = new(StringComparer.Ordinal)
    {
        ["partition"] = "#9467bd",
        ["pause"] = "#1f77b4",
        ["kill"] = "#8c564b",
        ["clock"] = "#17becf",
        ["loss"] = "#e377c2",
        ["crash"] = "#bcbd22",
    };

    private static readonly string[] OtherFaults = ["#7f7f7f", "#aec7e8", "#98df8a", "#c49c94"];

    /// <summary>The colour of a fault kind; kinds we do not know get one by name, stable across plots.</summary>
    public static Color OfFault(string kind) => Color.FromHex(FaultHex(kind));

    /// <summary>"#rrggbb" of <see cref="OfFault"/>, for the page's legend.</summary>
    public static string FaultHex(string kind)
    {
        if (KnownFaults.TryGetValue(kind, out var hex)) return hex;
        var h = 0;
        foreach (var c in kind) h = unchecked((h * 31) + c);   // string.GetHashCode is randomised per process
        return OtherFaults[(h & int.MaxValue) % OtherFaults.Length];
    }

    // Dark and saturated, so a node's line stays readable over the pale fault shading.
    private static readonly string[] Nodes = ["#222222", "#e6550d", "#2ca02c", "#d62728", "#6b6ecf", "#8c6d31", "#e7298a", "#666666"];

    /// <summary>The colour of the <paramref name="index"/>th node's line (nodes in name order).</summary>
    public static Color OfNode(int index) => Color.FromHex(Nodes[index % Nodes.Length]);

    public static MarkerShape ShapeOf(int seriesIndex) => (seriesIndex % 5) switch
    {
        0 => MarkerShape.FilledCircle,
        1 => MarkerShape.FilledTriangleUp,
        2 => MarkerShape.FilledSquare,
        3 => MarkerShape.FilledDiamond,
        _ => MarkerShape.FilledTriangleDown,
    };
}
