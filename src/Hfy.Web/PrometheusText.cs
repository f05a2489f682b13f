using System.Globalization;
using System.Text;

namespace Hfy.Web;

/// <summary>Formats the coordinator's figures in the Prometheus text exposition format (version 0.0.4).</summary>
public static class PrometheusText
{
    /// <summary>The content type Prometheus expects.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Writes every metric of a dashboard snapshot.</summary>
    public static string Format(DashboardSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var b = new StringBuilder(2048);
        var m = s.Metrics;
        Counter(b, "hfy_requests_total", "Retrieval requests finished by the engine.", m.RequestsTotal);
        Counter(b, "hfy_queries_total", "Queries answered by the engine (a request carries a batch).", m.QueriesTotal);
        Gauge(b, "hfy_request_throughput_per_second", "Requests finished per second over the sliding window.", m.RequestsPerSecond);
        Gauge(b, "hfy_query_throughput_per_second", "Queries answered per second over the sliding window.", m.QueriesPerSecond);

        // Quantiles over the engine's recent requests, as gauges: the engine keeps samples, not a running sum.
        b.Append("# HELP hfy_request_latency_seconds Retrieval request latency quantiles over recent requests.\n");
        b.Append("# TYPE hfy_request_latency_seconds gauge\n");
        Sample(b, "hfy_request_latency_seconds{quantile=\"0.5\"}", m.LatencyP50Ms / 1000);
        Sample(b, "hfy_request_latency_seconds{quantile=\"0.99\"}", m.LatencyP99Ms / 1000);

        Gauge(b, "hfy_round_trips_per_step", "Mean coordinator-partition round trips per map evaluation (each update step and the final evaluation of p at q_T) over the window.", m.RoundTripsPerStep);
        Counter(b, "hfy_bytes_moved_total", "Serialized bytes sent and received by the coordinator for requests.", m.BytesMovedTotal);

        Counter(b, "hfy_cells_done_total", "Experiment cells finished and recorded, all experiments.", s.Experiments.Sum(e => (long)e.CellsDone));
        Gauge(b, "hfy_cells", "Experiment cells in all experiments.", s.Experiments.Sum(e => (long)e.CellsTotal));
        b.Append("# HELP hfy_experiments Experiments by state.\n# TYPE hfy_experiments gauge\n");
        foreach (var g in s.Experiments.GroupBy(e => e.State).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Sample(b, $"hfy_experiments{{state=\"{Escape(g.Key)}\"}}", g.Count());
        }

        Gauge(b, "hfy_members_up", "Cluster members with status Up.", s.Cluster.MembersUp);
        Gauge(b, "hfy_members_unreachable", "Cluster members marked unreachable.", s.Cluster.MembersUnreachable);
        b.Append("# HELP hfy_members Cluster members by status.\n# TYPE hfy_members gauge\n");
        foreach (var g in s.Cluster.Members.GroupBy(x => x.Status).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Sample(b, $"hfy_members{{status=\"{Escape(g.Key)}\"}}", g.Count());
        }

        b.Append("# HELP hfy_node_partitions Bank partitions held per node.\n# TYPE hfy_node_partitions gauge\n");
        var nodes = s.Banks.Nodes;
        foreach (var n in nodes)
        {
            Sample(b, $"hfy_node_partitions{{node=\"{Escape(n.Node)}\"}}", n.Partitions);
        }

        b.Append("# HELP hfy_node_bytes Bank memory held per node, bytes.\n# TYPE hfy_node_bytes gauge\n");
        foreach (var n in nodes)
        {
            Sample(b, $"hfy_node_bytes{{node=\"{Escape(n.Node)}\"}}", n.Bytes);
        }

        return b.ToString();
    }

    private static void Counter(StringBuilder b, string name, string help, double value) => Metric(b, name, help, "counter", value);

    private static void Gauge(StringBuilder b, string name, string help, double value) => Metric(b, name, help, "gauge", value);

    private static void Metric(StringBuilder b, string name, string help, string type, double value)
    {
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        b.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        Sample(b, name, value);
    }

    private static void Sample(StringBuilder b, string series, double value) =>
        b.Append(series).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
