using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Node.Leader;

internal sealed partial class LeaderNode
{
    /// <summary>Entries per batch: large enough to catch up quickly, small enough to stay well inside the append timeout.</summary>
    private const int MaxBatch = 256;

    /// <summary>An idle follower hears from the leader this often (an empty batch: the heartbeat).</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The leader's loop for one follower during epoch <paramref name="term"/>: send the entries from the follower's next
    /// index (a heartbeat when there are none), or the snapshot when they are compacted away or the follower's copy
    /// diverges before it. The follower's answer moves the next index: past what it now holds, or back to where its log
    /// still matches (after a restart it names its last index). A higher epoch in an answer means a newer leader exists:
    /// this node steps down. Unreachable followers are retried every heartbeat interval.
    /// </summary>
    private async Task ReplicateAsync(int follower, long term, CancellationToken ct)
    {
        long next;
        lock (gate) next = replica.LastIndex + 1;
        var needSnapshot = false;
        while (!ct.IsCancellationRequested)
        {
            AppendRequest? append = null;
            SnapshotRequest? install = null;
            lock (gate)
            {
                if (role != LeaderRole || replica.Epoch != term) return;
                if (needSnapshot || next - 1 < replica.SnapshotIndex)
                {
                    install = new SnapshotRequest(term, options.Id, replica.Snapshot);
                }
                else
                {
                    next = Math.Min(next, replica.LastIndex + 1);
                    append = new AppendRequest(term, options.Id, next - 1, replica.EpochAt(next - 1)!.Value, replica.EntriesFrom(next, MaxBatch));
                }
            }
            PeerAnswer? answer;
            try
            {
                answer = install is not null
                    ? await client.SnapshotAsync(follower, install, ct).ConfigureAwait(false)
                    : await client.AppendAsync(follower, append!, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            bool more;
            Task wake;
            lock (gate)
            {
                if (role != LeaderRole || replica.Epoch != term) return;
                wake = appended.Task;
                if (answer is null)
                {
                    more = false;
                }
                else if (answer.Epoch > term)
                {
                    BecomeFollower(answer.Epoch, answer.Leader);
                    return;
                }
                else if (answer.Ok)
                {
                    // One request at a time per follower, so this answer is the newest: a wiped follower's match drops.
                    needSnapshot = false;
                    matchIndex[follower] = answer.MatchIndex;
                    next = answer.MatchIndex + 1;
                    Pulse(ref progress);
                    more = next <= replica.LastIndex;
                }
                else if (answer.NeedSnapshot)
                {
                    needSnapshot = more = true;
                }
                else if (answer.ConflictIndex > 0)
                {
                    next = answer.ConflictIndex;
                    matchIndex[follower] = Math.Min(matchIndex[follower], next - 1);
                    more = true;
                }
                else
                {
                    // Refused in this very epoch: another node also leads epoch 1 (two nodes configured as the first leader).
                    more = false;
                }
            }
            if (more) continue;
            try
            {
                // Unreachable: wait a heartbeat interval; idle: until the next append or heartbeat, whichever is first.
                var beat = Task.Delay(HeartbeatInterval, ct);
                await (answer is null ? beat : Task.WhenAny(wake, beat)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
