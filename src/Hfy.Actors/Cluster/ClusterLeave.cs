using Akka.Actor;

namespace Hfy.Actors.Cluster;

/// <summary>A normal stop of cluster nodes that live in one process (the embedded cluster, tests).</summary>
public static class ClusterLeave
{
    /// <summary>How long one node may take to leave the cluster and terminate in <see cref="StopAsync"/>.</summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A normal stop of nodes in one process: the <paramref name="members"/> (bank nodes) leave one after the other in
    /// the order given (pass the youngest first: the oldest holds the sharding coordinator, and a singleton handed to
    /// a node that is itself leaving waits out the 10 s exiting phase), then <paramref name="last"/> (the coordinator).
    /// Each runs coordinated shutdown with the cluster-leaving reason, so its phases run in order (leave, sharding
    /// handoff, exiting, then remoting, then the actor system) and nothing is sent over a transport that has already
    /// stopped: terminating the systems directly, all at once, logged "Remoting is not running" and Disassociated
    /// errors from the last gossip and sharding messages.
    /// The next node leaves only once every remaining node has seen the last one removed: until then a remaining node
    /// may still count it, as the next oldest to hand the sharding coordinator to, or as a replica a majority read of
    /// the coordinator's state must reach (which then times out: an ERROR at a normal stop).
    /// </summary>
    public static async Task StopAsync(IEnumerable<ActorSystem> members, ActorSystem? last)
    {
        ArgumentNullException.ThrowIfNull(members);
        var order = members.ToList();
        if (last is not null) order.Add(last);
        for (var i = 0; i < order.Count; i++)
        {
            var address = Akka.Cluster.Cluster.Get(order[i]).SelfAddress;
            await LeaveAsync(order[i]).ConfigureAwait(false);
            await SeenRemovedAsync(address, order.Skip(i + 1)).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (at most <see cref="LeaveTimeout"/>) until no node of <paramref name="remaining"/> lists <paramref name="address"/>.</summary>
    private static async Task SeenRemovedAsync(Address address, IEnumerable<ActorSystem> remaining)
    {
        var deadline = DateTime.UtcNow + LeaveTimeout;
        foreach (var system in remaining)
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            while (cluster.State.Members.Any(m => m.Address == address) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    private static async Task LeaveAsync(ActorSystem system)
    {
        try
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(LeaveTimeout).ConfigureAwait(false);
            await system.WhenTerminated.WaitAsync(LeaveTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A node that cannot leave in time (its peers are gone) is cut off.
            await system.Terminate().WaitAsync(LeaveTimeout).ConfigureAwait(false);
        }
    }

}
