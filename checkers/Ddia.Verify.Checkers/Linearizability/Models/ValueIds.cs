using Ddia.Verify.History;

namespace Ddia.Verify.Checkers.Linearizability.Models;

/// <summary>
/// Numbers the distinct values of a history so that model states and ops are plain ints. Filled while
/// preparing (one thread), then only read during the search.
/// </summary>
internal sealed class ValueIds
{
    private readonly Dictionary<Value, int> ids = [];
    private readonly List<Value> values = [];

    public int this[Value v]
    {
        get
        {
            if (ids.TryGetValue(v, out var id)) return id;
            id = values.Count;
            values.Add(v);
            ids.Add(v, id);
            return id;
        }
    }

    public Value ValueOf(int id) => values[id];

    public int Count => values.Count;
}
