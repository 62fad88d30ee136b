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
/// Every non-serializable SI history has such a structure in which T3 commits first (Fekete et al. 2005), so only
/// those are dangerous (Ports and Grittner's commit-ordering refinement, as in PostgreSQL): a pivot T2 aborts at its
/// commit when it has an in-edge and an out-edge to a transaction that already committed; and a reader whose new edge
/// makes a committed T2 such a pivot (its T3 committed before it) aborts itself, because T2 no longer can. A
/// structure whose cycle never closes still aborts (no cycle test), so this may abort more than needed, never less.
/// Committed transactions' sets stay until no active transaction is concurrent with them.
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
        // An active pivot is judged when it commits. A writer that already committed cannot abort: if it is now the
        // pivot of a structure whose T3 committed before it did, the reader (the actor, still active) goes instead.
        return actor == reader && writer.Status is TxnStatus.Committed or TxnStatus.Committing
            && writer.OutConflicts.Any(o => o.Status is TxnStatus.Committed or TxnStatus.Committing && o.EndSeq < writer.EndSeq);
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
