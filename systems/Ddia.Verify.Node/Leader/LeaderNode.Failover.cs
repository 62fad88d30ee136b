using System.Diagnostics;
using Ddia.Verify.Systems.Replication.SingleLeader;

namespace Ddia.Verify.Node.Leader;

internal sealed partial class LeaderNode
{
    private static readonly TimeSpan FailoverTick = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// --failover naive: a follower that has not heard its leader for --failover-timeout-ms plus a random jitter (so two
    /// followers rarely start at once) runs <see cref="ElectAsync"/>. A pause of this process (SIGSTOP, a long GC) also
    /// stopped the leader's heartbeats from being read, so after one the timer restarts rather than firing at once. Until
    /// it first hears a leader, a node waits three timeouts: nodes started together do not all come up at once, and the
    /// first leader's first heartbeat pays for its JIT.
    /// </summary>
    private async Task FailoverLoopAsync(CancellationToken ct)
    {
        var timeout = NextFailoverTimeout();
        var pauseThreshold = TimeSpan.FromMilliseconds(Math.Max(500, options.FailoverTimeoutMs / 2));
        var before = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FailoverTick, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = Stopwatch.GetTimestamp();
            var slept = Stopwatch.GetElapsedTime(before, now);
            before = now;
            bool elect;
            lock (gate)
            {
                if (slept > pauseThreshold) lastHeard = now;
                elect = role == FollowerRole && Stopwatch.GetElapsedTime(lastHeard, now) > (heardLeader ? timeout : 3 * timeout);
                if (elect) role = CandidateRole;
            }
            if (!elect) continue;
            Console.WriteLine($"{HttpApi.NodeName(options.Id)}: has not heard a leader in time; asks its peers");
            try
            {
                await ElectAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            timeout = NextFailoverTimeout();
        }
    }

    private TimeSpan NextFailoverTimeout()
    {
        lock (gate) return TimeSpan.FromMilliseconds(options.FailoverTimeoutMs + random.Next(0, Math.Max(options.FailoverTimeoutMs / 2, 50)));
    }

    /// <summary>
    /// The naive election: ask every peer (short timeout) for its role, epoch and log position. A reachable leader of
    /// this epoch or a newer one is simply followed. Otherwise, if this node has the longest log among the reachable
    /// nodes (<see cref="ElectionRule.Best"/>), it leads a new epoch above every one seen; if another node has, this one
    /// waits for that node's own timeout to elect it. No majority is needed and the old leader is not fenced.
    /// </summary>
    private async Task ElectAsync(CancellationToken ct)
    {
        var answers = await Task.WhenAll(Followers.Select(p => client.StateAsync(p, ct))).ConfigureAwait(false);
        lock (gate)
        {
            if (role != CandidateRole) return;   // a leader's message arrived meanwhile
            var reachable = answers.OfType<PeerState>().ToList();
            var live = reachable.Where(s => s.Role == LeaderRole && s.Epoch >= replica.Epoch && s.Id != options.Id).MaxBy(s => s.Epoch);
            if (live is not null)
            {
                BecomeFollower(live.Epoch, live.Id);
                return;
            }
            var self = new LogPosition(options.Id, replica.Epoch, replica.LastIndex, replica.LastEpoch);
            var best = ElectionRule.Best(reachable.Select(s => new LogPosition(s.Id, s.Epoch, s.LastIndex, s.LastEpoch)).Append(self));
            Console.WriteLine($"{HttpApi.NodeName(options.Id)}: reachable {string.Join(", ", reachable.Select(r => $"n{r.Id} ({r.Role}, epoch {r.Epoch}, last {r.LastEpoch}/{r.LastIndex})"))}; " +
                $"own last {self.LastEpoch}/{self.LastIndex}; best n{best}");
            if (best != options.Id)
            {
                role = FollowerRole;
                leader = null;
                lastHeard = Stopwatch.GetTimestamp();
                return;
            }
            var maxSeen = reachable.Select(s => s.Epoch).Append(replica.Epoch).Max();
            BecomeLeader(ElectionRule.NextEpoch(maxSeen, options.Id, options.ClusterIds));
        }
    }
}
