using Ddia.Verify.Systems.Replication.Versioned;

namespace Ddia.Verify.Systems.Replication.Tests.Versioned;

public sealed class VersionedStoreTests : IDisposable
{
    private const ConflictPolicy Vv = ConflictPolicy.VersionVectors;
    private readonly string dir = Path.Combine(Path.GetTempPath(), "ddia-versioned-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static Siblings Write(string value, int node, Siblings? on = null) =>
        (on ?? Siblings.Empty).Put(Vv, node, value, VersionVector.Empty, 1).After;

    [Fact]
    public async Task Reopen_RecoversEveryKey_AndReplaysOriginsInOrder()
    {
        using (var store = VersionedStore.Open(dir, Vv))
        {
            await store.UpdateAsync("a", s => Write("x", 1, s), origin: 1, seq: 1);
            await store.UpdateAsync("b", s => Write("y", 1, s), origin: 1, seq: 2);
            await store.MergeAllAsync([new StoreRecord("a", Write("z", 2), 2, 7)]);
        }
        var replayed = new List<StoreRecord>();
        using var reopened = VersionedStore.Open(dir, Vv, replayed.Add);
        Assert.Equal(["x", "z"], reopened.Get("a").Items.Select(s => s.Value));
        Assert.Equal(["y"], reopened.Get("b").Items.Select(s => s.Value));
        Assert.True(reopened.Get("c").IsEmpty);
        Assert.Equal([(1, 1L), (1, 2L), (2, 7L)], replayed.Select(r => (r.Origin!.Value, r.Seq!.Value)));
    }

    [Fact]
    public async Task TornLastLine_IsCutOff_AndLaterWritesAreReadable()
    {
        using (var store = VersionedStore.Open(dir, Vv)) await store.UpdateAsync("a", s => Write("x", 1, s));
        File.AppendAllText(Path.Combine(dir, VersionedStore.FileName), "{\"k\":\"a\",\"s\":[{\"v\":\"tor");
        using (var store = VersionedStore.Open(dir, Vv))
        {
            Assert.Equal(["x"], store.Get("a").Items.Select(s => s.Value));
            await store.UpdateAsync("b", s => Write("y", 1, s));
        }
        using var again = VersionedStore.Open(dir, Vv);
        Assert.Equal(["y"], again.Get("b").Items.Select(s => s.Value));
    }

    [Fact]
    public async Task UnchangedUpdate_WritesNothing_AndCompactionKeepsOneRecordPerKey()
    {
        var path = Path.Combine(dir, VersionedStore.FileName);
        using (var store = VersionedStore.Open(dir, Vv))
        {
            var v = await store.UpdateAsync("a", s => Write("x", 1, s));
            var length = new FileInfo(path).Length;
            await store.MergeAsync("a", v);
            Assert.Equal(length, new FileInfo(path).Length);
            for (var i = 0; i < 1500; i++) await store.UpdateAsync("a", s => s.Put(Vv, 1, "x" + i, s.Context, i).After);
        }
        using (var compacted = VersionedStore.Open(dir, Vv, compact: true)) Assert.Equal(["x1499"], compacted.Get("a").Items.Select(s => s.Value));
        Assert.Single(File.ReadAllLines(path));
        using var reopened = VersionedStore.Open(dir, Vv);
        Assert.Equal(["x1499"], reopened.Get("a").Items.Select(s => s.Value));
    }

    [Fact]
    public async Task ConcurrentChanges_AreEachAtomic_DurableWhenAcknowledged_AndInvisibleBefore()
    {
        using (var store = VersionedStore.Open(dir, Vv))
        {
            // 300 blind writes of one node at once: each read-modify-write sees the previous one (distinct counters).
            var writes = Enumerable.Range(0, 300).Select(i => store.UpdateAsync("k", s => s.Put(Vv, 1, "v" + i, VersionVector.Empty, i).After)).ToList();
            await Task.WhenAll(writes);
            Assert.Equal(300, store.Get("k").Items.Select(s => s.Counter).Distinct().Count());
            Assert.Equal(store.Get("k"), await writes[^1]);
        }
        using var reopened = VersionedStore.Open(dir, Vv);
        Assert.Equal(300, reopened.Get("k").Items.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.UpdateAsync("k", _ => throw new InvalidOperationException()));
        Assert.Equal(300, reopened.Get("k").Items.Count);
    }
}
