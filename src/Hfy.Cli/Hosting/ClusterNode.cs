using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Hfy.Actors.Cluster;

namespace Hfy.Cli.Hosting;

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
