namespace Ddia.Verify.Systems.Txn;

/// <summary>
/// Serializable snapshot isolation (Cahill, Röhm, Fekete 2008; DDIA "detecting stale MVCC reads" and "detecting writes
/// that affect prior reads"). Every non-serializable SI execution contains a dangerous structure T1 -rw-> T2 -rw-> T3
/// of concurrent transactions, where T1 -rw-> T2 means T1 read a version of a key that T2 overwrote. We keep, per
/// transaction, its read set, its write set, and the concurrent partners of its rw-edges in and out (Cahill's
/// inConflict/outConflict flags, kept as sets so that an aborted partner stops counting). An edge is found at the later of its two events:
/// <list type="bullet">
/// <item>a read of k by R finds every concurrent W (active, committing or committed) whose write set holds k;</item>
/// <item>a write of k by W finds every concurrent R whose read set holds k.</item>
/// </list>
/// A transaction with both an in- and an out-edge is a (possible) pivot: it aborts at the edge or at commit; and a transaction that
/// gives a committed transaction both kinds of edge aborts itself, because the pivot can no longer. Any pivot aborts,
/// whether or not T3 committed first or the structure really closes a cycle, so this aborts more than necessary but
/// never less. Committed transactions'
/// sets stay until no active transaction is concurrent with them.
/// </summary>
public sealed partial class TxnStore
{
    private static bool Concurrent(TxnState a, TxnState b) => a.StartSeq < b.EndSeq && b.StartSeq < a.EndSeq;

    private IEnumerable<TxnState> SsiCandidates(TxnState self) =>
        active.Concat(recentlyCommitted).Where(x => x != self && x.Status != TxnStatus.Aborted && Concurrent(self, x));

    private TransactionAbortedException? OnSsiRead(TxnState reader, string key, List<TaskCompletionSource<bool>> wake)
    {
        foreach (var writer in SsiCandidates(reader).ToList())
        {
            if (writer.Writes.ContainsKey(key) && Edge(reader, writer, reader))
                return Fail(reader, AbortReason.SerializationFailure, $"read of {key} makes a dangerous structure with txn {writer.Id}", wake);
        }
        return null;
    }

    private TransactionAbortedException? OnSsiWrite(TxnState writer, string key, List<TaskCompletionSource<bool>> wake)
    {
        foreach (var reader in SsiCandidates(writer).ToList())
        {
            if (reader.Reads.Contains(key) && Edge(reader, writer, writer))
                return Fail(writer, AbortReason.SerializationFailure, $"write of {key} makes a dangerous structure with txn {reader.Id}", wake);
        }
        return null;
    }

    /// <summary>Records reader -rw-> writer, found by <paramref name="actor"/>; true when the actor must abort.</summary>
    private static bool Edge(TxnState reader, TxnState writer, TxnState actor)
    {
        reader.OutConflicts.Add(writer);
        writer.InConflicts.Add(reader);
        var other = actor == reader ? writer : reader;
        if (actor.InConflict && actor.OutConflict) return true;
        // An active pivot aborts itself at commit; a committed (or committing) one cannot, so the actor goes.
        return other.Status is TxnStatus.Committed or TxnStatus.Committing && other.InConflict && other.OutConflict;
    }

    private void PruneCommitted()
    {
        var oldestStart = long.MaxValue;
        foreach (var a in active) if (a.StartSeq < oldestStart) oldestStart = a.StartSeq;
        recentlyCommitted.RemoveAll(c =>
        {
            if (c.EndSeq > oldestStart) return false;
            // No transaction can form an edge with it any more. Others may still hold it in their conflict sets (only its
            // status matters there), so drop what it holds, or every committed transaction would stay reachable.
            Forget(c);
            return true;
        });
    }

    private static void Forget(TxnState t)
    {
        t.Reads.Clear();
        t.Writes.Clear();
        t.InConflicts.Clear();
        t.OutConflicts.Clear();
    }
}
