using System.Text.Json;

namespace Ddia.Verify.Systems.Replication.Versioned;

/// <summary>A sibling as JSON, on disk and between nodes: value, dot (node, counter), wall clock ms, context ("1:3,2:5").</summary>
public sealed record SiblingDto(string? V, int N, long C, long T, string? X);

public static class SiblingJson
{
    /// <summary>camelCase, like the client API.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static SiblingDto[] ToDto(Siblings siblings) =>
        [.. siblings.Items.Select(s => new SiblingDto(s.Value, s.Node, s.Counter, s.WallMs, s.Context.ToString()))];

    /// <summary>The siblings the DTOs name, settled under <paramref name="policy"/>; null when one is malformed.</summary>
    public static Siblings? FromDto(ConflictPolicy policy, IEnumerable<SiblingDto?>? dtos)
    {
        if (dtos is null) return null;
        var items = new List<Sibling>();
        foreach (var d in dtos)
        {
            if (d?.V is null || d.C <= 0 || VersionVector.TryParse(d.X) is not { } context || context[d.N] >= d.C) return null;
            items.Add(new Sibling(d.V, d.N, d.C, d.T, context));
        }
        return Siblings.Of(policy, items);
    }
}
