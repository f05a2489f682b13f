using Akka.Actor;
using Hfy.Coordinator.Engine;
using Hfy.Experiments.Results;

namespace Hfy.Web;

/// <summary>
/// The dashboard and JSON API of a coordinator node, wired to its cluster engine, experiment manager and results
/// store. Used by <c>hfy coordinator</c> and by embedded clusters (<c>hfy demo</c>, tests).
/// </summary>
public sealed class Dashboard : IAsyncDisposable
{
    private Dashboard(WebServer server, IncidentLog incidents)
    {
        Server = server;
        Incidents = incidents;
    }

    /// <summary>The HTTP server (address, token, dashboard link).</summary>
    public WebServer Server { get; }

    /// <summary>Incidents shown on the dashboard.</summary>
    public IncidentLog Incidents { get; }

    /// <summary>Starts serving the dashboard of the coordinator node <paramref name="coordinator"/>.</summary>
    /// <param name="coordinator">The coordinator's actor system.</param>
    /// <param name="engine">Its cluster engine (metrics, partition placement).</param>
    /// <param name="manager">The experiment manager, or its cluster singleton proxy.</param>
    /// <param name="store">The results store the manager writes.</param>
    /// <param name="options">Where to listen and how to protect it.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static Task<Dashboard> StartAsync(
        ActorSystem coordinator,
        ClusterEngine engine,
        IActorRef manager,
        ResultsStore store,
        WebOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(manager);
        return StartAsync(coordinator, engine.Metrics, manager, store, options, cancellationToken);
    }

    /// <summary>
    /// Starts a dashboard from whatever the process has: a cluster node (members, incidents) or none, engine metrics
    /// or none, an experiment manager (submissions) or none; experiments are always read from <paramref name="store"/>.
    /// </summary>
    public static async Task<Dashboard> StartAsync(
        ActorSystem? coordinator,
        EngineMetrics? metrics,
        IActorRef? manager,
        ResultsStore store,
        WebOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var incidents = new IncidentLog();
        var changes = new ChangeSignal();
        Func<BanksSnapshot> banks = metrics is null ? () => BanksSnapshot.Empty : () => Banks(metrics);
        IClusterView view = coordinator is null ? new NoClusterView(banks, incidents) : new AkkaClusterView(coordinator, banks, incidents, changes);
        var experiments = new ManagerExperimentService(coordinator, manager, store, options.SpecLimits, options.Pace, changes);
        IEngineMetricsSource figures = metrics is null ? new NoEngineFigures() : new EngineFiguresSource(metrics, incidents);
        var server = await WebServer.StartAsync(options, view, experiments, figures, changes, cancellationToken).ConfigureAwait(false);
        return new Dashboard(server, incidents);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>A process without a cluster (the local engine).</summary>
    private sealed class NoClusterView(Func<BanksSnapshot> banks, IncidentLog incidents) : IClusterView
    {
        public ClusterSnapshot GetCluster() => new("local", null, [], incidents.Recent());

        public BanksSnapshot GetBanks() => banks();
    }

    /// <summary>An engine that reports nothing (the local engine).</summary>
    private sealed class NoEngineFigures : IEngineMetricsSource
    {
        public EngineFigures Snapshot() => new(0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static BanksSnapshot Banks(EngineMetrics metrics) =>
        new([], [.. metrics.Snapshot().Nodes.Select(n => new NodeLoadView(n.Node, n.Partitions, n.Rows, n.Bytes)
        {
            WorkingSet = n.WorkingSet,
            PeakWorkingSet = n.PeakWorkingSet,
            Budget = n.Budget,
            Storage = n.Storage,
        })]);
}
