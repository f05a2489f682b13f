using Prometheus;

namespace Hfy.Web;

/// <summary>
/// <c>/metrics</c> through prometheus-net: the coordinator's figures as counters and gauges in a registry of their own
/// (no process or runtime metrics of the library's default registry), set from one dashboard snapshot just before each
/// scrape. Labelled series of members, experiments and nodes that are gone are removed, not left at their last value.
/// </summary>
public sealed class PrometheusExporter
{
    /// <summary>The content type of the text exposition format (version 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Func<DashboardSnapshot> _snapshot;

    private readonly Counter _requests;
    private readonly Counter _queries;
    private readonly Gauge _requestRate;
    private readonly Gauge _queryRate;
    private readonly Gauge _latency;
    private readonly Gauge _roundTrips;
    private readonly Counter _bytes;
    private readonly Counter _cellsDone;
    private readonly Gauge _cells;
    private readonly Gauge _experiments;
    private readonly Gauge _membersUp;
    private readonly Gauge _membersUnreachable;
    private readonly Gauge _members;
    private readonly Gauge _memberStates;
    private readonly Gauge _nodePartitions;
    private readonly Gauge _nodeBytes;

    /// <summary>Exports what <paramref name="snapshot"/> reads, at every scrape.</summary>
    public PrometheusExporter(Func<DashboardSnapshot> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshot = snapshot;
        var f = Metrics.WithCustomRegistry(_registry);
        _requests = f.CreateCounter("hfy_requests_total", "Retrieval requests finished by the engine.");
        _queries = f.CreateCounter("hfy_queries_total", "Queries answered by the engine (a request carries a batch).");
        _requestRate = f.CreateGauge("hfy_request_throughput_per_second", "Requests finished per second over the sliding window.");
        _queryRate = f.CreateGauge("hfy_query_throughput_per_second", "Queries answered per second over the sliding window.");

        // Quantiles over the engine's recent requests, as gauges: the engine keeps samples, not a running sum.
        _latency = f.CreateGauge("hfy_request_latency_seconds", "Retrieval request latency quantiles over recent requests.", "quantile");
        _roundTrips = f.CreateGauge("hfy_round_trips_per_step", "Mean coordinator-partition round trips per map evaluation (each update step and the final evaluation of p at q_T) over the window.");
        _bytes = f.CreateCounter("hfy_bytes_moved_total", "Serialized bytes sent and received by the coordinator for requests.");
        _cellsDone = f.CreateCounter("hfy_cells_done_total", "Experiment cells finished and recorded, all experiments.");
        _cells = f.CreateGauge("hfy_cells", "Experiment cells in all experiments.");
        _experiments = f.CreateGauge("hfy_experiments", "Experiments by state.", "state");
        _membersUp = f.CreateGauge("hfy_members_up", "Cluster members with status Up that every failure detector reaches.");
        _membersUnreachable = f.CreateGauge("hfy_members_unreachable", "Cluster members marked unreachable.");
        _members = f.CreateGauge("hfy_members", "Cluster members by Akka member status.", "status");
        _memberStates = f.CreateGauge("hfy_members_state", "Cluster members by state as the dashboard counts them (an unreachable member that is not Down is Unreachable).", "state");
        _nodePartitions = f.CreateGauge("hfy_node_partitions", "Bank partitions held per node.", "node");
        _nodeBytes = f.CreateGauge("hfy_node_bytes", "Bank memory held per node, bytes.", "node");
        _registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>Writes every metric in the text exposition format.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    private void Update()
    {
        var s = _snapshot();
        var m = s.Metrics;
        _requests.IncTo(m.RequestsTotal);
        _queries.IncTo(m.QueriesTotal);
        _requestRate.Set(m.RequestsPerSecond);
        _queryRate.Set(m.QueriesPerSecond);
        _latency.WithLabels("0.5").Set(m.LatencyP50Ms / 1000);
        _latency.WithLabels("0.99").Set(m.LatencyP99Ms / 1000);
        _roundTrips.Set(m.RoundTripsPerStep);
        _bytes.IncTo(m.BytesMovedTotal);

        _cellsDone.IncTo(s.Experiments.Sum(e => (long)e.CellsDone));
        _cells.Set(s.Experiments.Sum(e => (long)e.CellsTotal));
        SetAll(_experiments, s.Experiments.GroupBy(e => e.State).Select(g => (g.Key, (double)g.Count())));

        _membersUp.Set(s.Cluster.MembersUp);
        _membersUnreachable.Set(s.Cluster.MembersUnreachable);
        SetAll(_members, s.Cluster.Members.GroupBy(x => x.Status).Select(g => (g.Key, (double)g.Count())));
        SetAll(_memberStates, s.Cluster.MemberStates.Select(c => (c.State, (double)c.Count)));
        SetAll(_nodePartitions, s.Banks.Nodes.Select(n => (n.Node, (double)n.Partitions)));
        SetAll(_nodeBytes, s.Banks.Nodes.Select(n => (n.Node, (double)n.Bytes)));
    }

    /// <summary>Sets one series per label value and removes the series whose label value is no longer there.</summary>
    private static void SetAll(Gauge gauge, IEnumerable<(string Label, double Value)> values)
    {
        var now = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (label, value) in values)
        {
            gauge.WithLabels(label).Set(value);
            now.Add(label);
        }

        foreach (var labels in gauge.GetAllLabelValues().Where(l => !now.Contains(l[0])).ToList())
        {
            gauge.RemoveLabelled(labels);
        }
    }
}
