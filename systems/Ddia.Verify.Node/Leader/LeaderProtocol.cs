using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Node.Leader;

// The peer protocol of --system leader (HTTP/JSON on the nodes' client endpoints):
//   POST /peer/leader/append   AppendRequest   → PeerAnswer   the leader's batch of entries after (prevIndex, prevEpoch);
//                                                              an empty batch is a heartbeat
//   POST /peer/leader/snapshot SnapshotRequest → PeerAnswer   install-snapshot: the leader's compacted state
//   GET  /peer/leader/state                    → PeerState    what a naive-failover candidate asks every peer
// A receiver with a higher epoch refuses (ok false, its epoch and leader), so a stale leader steps down; one with a lower
// or equal epoch follows the sender.

/// <summary>The leader of <paramref name="Epoch"/> (node <paramref name="Leader"/>) sends <paramref name="Entries"/>,
/// which follow its entry at <paramref name="PrevIndex"/> of epoch <paramref name="PrevEpoch"/>.</summary>
internal sealed record AppendRequest(long Epoch, int Leader, long PrevIndex, long PrevEpoch, IReadOnlyList<LogEntry>? Entries);

internal sealed record SnapshotRequest(long Epoch, int Leader, Snapshot? Snapshot);

/// <summary>
/// A follower's answer: <paramref name="Epoch"/> and <paramref name="Leader"/> as it knows them; <paramref name="Ok"/>
/// with <paramref name="MatchIndex"/> (its log is the leader's up to there, durably); otherwise, when its epoch is not
/// higher, where to resume (<paramref name="ConflictIndex"/>) or that it needs the snapshot (<paramref name="NeedSnapshot"/>).
/// <paramref name="LastIndex"/>: its log's last index.
/// </summary>
internal sealed record PeerAnswer(long Epoch, int? Leader, bool Ok, long MatchIndex, long ConflictIndex, bool NeedSnapshot, long LastIndex);

/// <summary>A node's role, epoch and log position, for a candidate comparing logs.</summary>
internal sealed record PeerState(int Id, string Role, long Epoch, int? Leader, long LastIndex, long LastEpoch);
