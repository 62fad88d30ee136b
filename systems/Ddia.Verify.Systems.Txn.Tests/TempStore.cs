using Ddia.Verify.Systems.Txn;

namespace Ddia.Verify.Systems.Txn.Tests;

/// <summary>A store in a fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore(Isolation isolation, TimeSpan? lockWait = null, bool fsync = true, long compactAfterBytes = 64L << 20, TimeProvider? time = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ddia-txn-").FullName;
        Options = new StoreOptions { Isolation = isolation, Fsync = fsync, LockWaitTimeout = lockWait ?? TimeSpan.FromSeconds(5), CompactAfterBytes = compactAfterBytes, TimeProvider = time ?? TimeProvider.System };
        Store = TxnStore.Open(Directory, Options);
    }

    public string Directory { get; }
    public StoreOptions Options { get; }
    public TxnStore Store { get; private set; }

    public TxnStore Reopen()
    {
        Store.Dispose();
        Store = TxnStore.Open(Directory, Options);
        return Store;
    }

    public async Task SetAsync(string key, params long[] list)
    {
        using var t = Store.Begin();
        await t.WriteAsync(key, list);
        await t.CommitAsync();
    }

    public void Dispose()
    {
        Store.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
