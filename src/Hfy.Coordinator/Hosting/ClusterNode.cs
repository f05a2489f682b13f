using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Hfy.Actors.Cluster;

namespace Hfy.Coordinator.Hosting;

/// <summary>Starts an actor system that joins the hfy cluster, and runs it until it leaves.</summary>
public static class ClusterNode
{
    /// <summary>The node's HOCON: <see cref="HfyConfig"/> from the settings, overridden by the extra config file when given.</summary>
    public static Config BuildConfig(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = new HfyNodeSettings(HostSettings.SystemName, settings.Host, settings.Port, settings.EffectivePublicHost, settings.Seeds, settings.Roles);
        var config = HfyConfig.Build(node);
        return settings.ExtraConfig is null
            ? config
            : ConfigurationFactory.ParseString(File.ReadAllText(settings.ExtraConfig)).WithFallback(config);
    }

    /// <summary>Creates the actor system; it joins the seeds on its own.</summary>
    public static ActorSystem Start(HostSettings settings) => ActorSystem.Create(HostSettings.SystemName, BuildConfig(settings));

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
    /// </summary>
    public static async Task StopAsync(IEnumerable<ActorSystem> members, ActorSystem? last)
    {
        ArgumentNullException.ThrowIfNull(members);
        foreach (var member in members) await LeaveAsync(member).ConfigureAwait(false);
        if (last is not null) await LeaveAsync(last).ConfigureAwait(false);
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

    /// <summary>
    /// Waits until the system terminates: SIGTERM and Ctrl-C run CoordinatedShutdown with the cluster-leaving
    /// reason (the node leaves gracefully, its partitions hand off), and a node downed by the split brain
    /// resolver terminates on its own.
    /// </summary>
    public static async Task WaitForShutdownAsync(ActorSystem system, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(log);
        void Leave(PosixSignalContext context)
        {
            context.Cancel = true; // the process ends when the system has left, not right away
            log.WriteLine($"{context.Signal}: leaving the cluster…");
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        await system.WhenTerminated.ConfigureAwait(false);
    }
}
