using Akka.Cluster;
using Hfy.Actors.Cluster;
using Hfy.Actors.Partitions;

namespace Hfy.Cli.Hosting;

/// <summary>The <c>hfy node</c> process: a cluster member that hosts bank partitions (role <c>bank</c>).</summary>
public static class NodeHost
{
    /// <summary>Runs until the node leaves the cluster; returns the exit code.</summary>
    public static async Task<int> RunAsync(HostSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var system = ClusterNode.Start(settings);
        var cluster = Cluster.Get(system);
        if (settings.Roles.Contains(HfyRoles.Bank))
        {
            PartitionSharding.StartRegion(system);
        }

        log.WriteLine($"hfy node {cluster.SelfAddress} roles [{string.Join(", ", settings.Roles)}] joining seeds [{string.Join(", ", settings.Seeds)}]");
        cluster.RegisterOnMemberUp(() => log.WriteLine($"hfy node {cluster.SelfAddress} is Up"));
        await ClusterNode.WaitForShutdownAsync(system, log).ConfigureAwait(false);
        log.WriteLine("hfy node stopped");
        return 0;
    }
}
