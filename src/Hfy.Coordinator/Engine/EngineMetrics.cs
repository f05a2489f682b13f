using Hfy.Actors.Partitions;
namespace Hfy.Coordinator.Engine;

/// <summary>
/// Engine-wide counters of a <see cref="ClusterEngine"/> for the dashboard: requests, queries, steps, round
/// trips, bytes, request and partition latencies (p50/p99 over the last <see cref="Window"/> samples),
/// partitions per node (rows and bytes held) and recent cluster member events. Thread-safe; read it with
/// <see cref="Snapshot"/>.
/// </summary>
public sealed class EngineMetrics
{
    /// <summary>Latency samples kept for the percentiles.</summary>
    public const int Window = 4096;

    /// <summary>Member events kept.</summary>
    public const int EventWindow = 100;

    private readonly object _gate = new();
    private readonly Queue<double> _requestMs = new();
    private readonly Queue<double> _partitionMs = new();
    private readonly Dictionary<(string Bank, int Index), PartitionPlacement> _placement = [];
    private readonly Queue<MemberEvent> _events = new();
    private readonly Dictionary<string, NodeMemory> _memory = new(StringComparer.Ordinal);
    private long _requests;
    private long _failures;
    private long _queries;
    private long _steps;
    private long _roundTrips;
    private long _bytes;
    private long _retries;
    private long _stepRestarts;

    /// <summary>Records a finished request; <c>steps</c> counts its map evaluations (score rounds, the final one included).</summary>
    public void RecordRequest(int queries, int steps, int roundTrips, long bytes, TimeSpan elapsed, IEnumerable<double> partitionLatenciesMs, int retries, int stepRestarts)
    {
        ArgumentNullException.ThrowIfNull(partitionLatenciesMs);
        lock (_gate)
        {
            _requests++;
            _queries += queries;
            _steps += steps;
            _roundTrips += roundTrips;
            _bytes += bytes;
            _retries += retries;
            _stepRestarts += stepRestarts;
            Push(_requestMs, elapsed.TotalMilliseconds, Window);
            foreach (var ms in partitionLatenciesMs) Push(_partitionMs, ms, Window);
        }
    }

    /// <summary>Records a failed request.</summary>
    public void RecordFailure()
    {
        lock (_gate) _failures++;
    }

    /// <summary>Records where a partition lives now.</summary>
    public void RecordPlacement(string bank, int index, string node, long rows, long bytes)
    {
        lock (_gate) _placement[(bank, index)] = new PartitionPlacement(bank, index, node, rows, bytes);
    }

    /// <summary>Records a bank node's memory report (polled every few seconds).</summary>
    public void RecordNodeMemory(NodeMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        lock (_gate) _memory[memory.Node] = memory;
    }

    /// <summary>Forgets a node that left the cluster.</summary>
    public void ForgetNode(string node)
    {
        lock (_gate) _memory.Remove(node);
    }

    /// <summary>Forgets a dropped bank's partitions.</summary>
    public void ForgetBank(string bank)
    {
        lock (_gate)
        {
            foreach (var key in _placement.Keys.Where(k => k.Bank == bank).ToArray()) _placement.Remove(key);
        }
    }

    /// <summary>Records a cluster member event (joined, up, left, unreachable, removed…).</summary>
    public void RecordMemberEvent(string member, string status, IEnumerable<string> roles)
    {
        lock (_gate) Push(_events, new MemberEvent(DateTimeOffset.UtcNow, member, status, [.. roles]), EventWindow);
    }

    /// <summary>A consistent copy of every figure.</summary>
    public EngineMetricsSnapshot Snapshot()
    {
        lock (_gate)
        {
            var placed = _placement.Values.GroupBy(p => p.Node).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            var nodes = placed.Keys.Union(_memory.Keys, StringComparer.Ordinal)
                .Select(node =>
                {
                    var parts = placed.GetValueOrDefault(node) ?? [];
                    var mem = _memory.GetValueOrDefault(node);
                    return new NodeLoad(node, parts.Length, parts.Sum(p => p.Rows), parts.Sum(p => p.Bytes))
                    {
                        WorkingSet = mem?.WorkingSet ?? 0,
                        PeakWorkingSet = mem?.PeakWorkingSet ?? 0,
                        Budget = mem?.Budget ?? 0,
                        Storage = mem?.Storage ?? [],
                    };
                })
                .OrderBy(n => n.Node, StringComparer.Ordinal)
                .ToArray();
            return new EngineMetricsSnapshot(
                _requests, _failures, _queries, _steps, _roundTrips, _bytes, _retries, _stepRestarts,
                _steps == 0 ? 0 : (double)_roundTrips / _steps,
                Percentile(_requestMs, 0.50), Percentile(_requestMs, 0.99),
                Percentile(_partitionMs, 0.50), Percentile(_partitionMs, 0.99),
                nodes, [.. _events]);
        }
    }

    private static void Push<T>(Queue<T> q, T value, int cap)
    {
        q.Enqueue(value);
        while (q.Count > cap) q.Dequeue();
    }

    private static double Percentile(Queue<double> samples, double f)
    {
        if (samples.Count == 0) return 0;
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        var i = (int)Math.Ceiling(f * sorted.Length) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Length - 1)];
    }

    private sealed record PartitionPlacement(string Bank, int Index, string Node, long Rows, long Bytes);
}

/// <summary>Partitions hosted by one node.</summary>
/// <param name="Node">Node address.</param>
/// <param name="Partitions">Number of partitions.</param>
/// <param name="Rows">Rows held.</param>
/// <param name="Bytes">Bytes of row data held.</param>
public sealed record NodeLoad(string Node, int Partitions, long Rows, long Bytes)
{
    /// <summary>The node's resident set at its last report, bytes (0: not reported yet).</summary>
    public long WorkingSet { get; init; }

    /// <summary>Its peak resident set since it started, bytes.</summary>
    public long PeakWorkingSet { get; init; }

    /// <summary>Its memory budget for banks, bytes.</summary>
    public long Budget { get; init; }

    /// <summary>Storage kinds of the partitions it holds.</summary>
    public string[] Storage { get; init; } = [];
}

/// <summary>A cluster membership change seen by the coordinator.</summary>
public sealed record MemberEvent(DateTimeOffset At, string Member, string Status, string[] Roles);

/// <summary>A copy of <see cref="EngineMetrics"/> at one moment.</summary>
/// <param name="Requests">Requests completed.</param>
/// <param name="Failures">Requests failed.</param>
/// <param name="Queries">Queries answered.</param>
/// <param name="Steps">Map evaluations (per request: score rounds, the T updates plus the final evaluation of p at q_T).</param>
/// <param name="RoundTrips">Coordinator ↔ partitions rounds.</param>
/// <param name="BytesMoved">Serialized bytes sent and received by coordinators.</param>
/// <param name="Retries">Messages re-sent to partitions that did not answer in time.</param>
/// <param name="StepRestarts">Steps restarted because a partition moved.</param>
/// <param name="RoundTripsPerStep">RoundTrips / Steps: round trips per map evaluation.</param>
/// <param name="RequestP50Ms">Median request latency.</param>
/// <param name="RequestP99Ms">99th percentile request latency.</param>
/// <param name="PartitionP50Ms">Median partition reply latency.</param>
/// <param name="PartitionP99Ms">99th percentile partition reply latency.</param>
/// <param name="Nodes">Partitions, rows and bytes per node.</param>
/// <param name="MemberEvents">Recent member events, oldest first.</param>
public sealed record EngineMetricsSnapshot(
    long Requests,
    long Failures,
    long Queries,
    long Steps,
    long RoundTrips,
    long BytesMoved,
    long Retries,
    long StepRestarts,
    double RoundTripsPerStep,
    double RequestP50Ms,
    double RequestP99Ms,
    double PartitionP50Ms,
    double PartitionP99Ms,
    NodeLoad[] Nodes,
    MemberEvent[] MemberEvents);
