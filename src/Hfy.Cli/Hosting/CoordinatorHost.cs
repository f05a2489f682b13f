using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Hfy.Actors.Cluster;
using Hfy.Coordinator.Engine;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Results;
using Hfy.Web;

namespace Hfy.Cli.Hosting;

/// <summary>
/// The <c>hfy coordinator</c> process: a cluster member (role <c>coordinator</c>) hosting the cluster engine, the
/// experiment manager as a cluster singleton, the results store, and the dashboard with its JSON API.
/// </summary>
public static class CoordinatorHost
{
    /// <summary>Actor name of the experiment manager singleton (under /user).</summary>
    public const string ManagerName = "experiment-manager";

    /// <summary>Runs until the node leaves the cluster; returns the exit code.</summary>
    public static async Task<int> RunAsync(HostSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var system = ClusterNode.Start(settings);
        var cluster = Cluster.Get(system);
        log.WriteLine($"hfy coordinator {cluster.SelfAddress} roles [{string.Join(", ", settings.Roles)}] joining seeds [{string.Join(", ", settings.Seeds)}]");

        var engine = ClusterEngine.Start(system);
        var store = ResultsStore.Open(settings.DataDir);
        var limits = SpecLimits.Default with { DataRoots = settings.EffectiveDataRoots };
        var role = settings.Roles.Contains(HfyRoles.Coordinator) ? HfyRoles.Coordinator : settings.Roles[0];
        system.ActorOf(
            ClusterSingletonManager.Props(
                ExperimentManager.Props(engine, store, limits),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(role)),
            ManagerName);
        var manager = system.ActorOf(
            ClusterSingletonProxy.Props($"/user/{ManagerName}", ClusterSingletonProxySettings.Create(system).WithRole(role)),
            ManagerName + "-proxy");

        Dashboard dashboard;
        try
        {
            dashboard = await Dashboard.StartAsync(system, engine, manager, store,
                new WebOptions { Host = settings.HttpHost, Port = settings.HttpPort, Token = settings.Token, SpecLimits = limits }).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await system.Terminate().ConfigureAwait(false);
            log.Flush();
            Console.Error.WriteLine($"error: http (--http / HFY_HTTP): cannot listen on {settings.HttpHost}:{settings.HttpPort} ({e.Message.Split('\n')[0].Trim()})");
            return 2;
        }

        log.WriteLine($"dashboard: {dashboard.Server.DashboardUrl}");
        log.WriteLine($"api:       {dashboard.Server.Address}api/ (results in {store.Path})");
        log.WriteLine($"bank files are read from: {string.Join(", ", limits.DataRoots!)}");
        if (dashboard.Server.TokenGenerated)
        {
            log.WriteLine($"token:     {dashboard.Server.Token}   (generated; every API call needs 'Authorization: Bearer <token>')");
        }

        cluster.RegisterOnMemberUp(() => log.WriteLine($"hfy coordinator {cluster.SelfAddress} is Up"));
        await ClusterNode.WaitForShutdownAsync(system, log).ConfigureAwait(false);
        await dashboard.DisposeAsync().ConfigureAwait(false);
        try
        {
            await engine.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // The actor system is already gone; nothing left to release.
        }

        log.WriteLine("hfy coordinator stopped");
        return 0;
    }
}
