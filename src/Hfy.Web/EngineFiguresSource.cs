using System.Diagnostics;
using Hfy.Coordinator.Engine;

namespace Hfy.Web;

/// <summary>
/// Reads the <see cref="ClusterEngine"/>'s <see cref="EngineMetrics"/> for the dashboard and <c>/metrics</c>:
/// counters and latency percentiles as the engine keeps them, throughput from the counters' change over a
/// sliding window, and an incident whenever requests fail or steps restart because a partition moved.
/// </summary>
public sealed class EngineFiguresSource : IEngineMetricsSource
{
    /// <summary>Default width of the throughput window.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    private readonly EngineMetrics _metrics;
    private readonly IncidentLog? _incidents;
    private readonly TimeSpan _window;
    private readonly Lock _gate = new();
    private readonly Queue<(long At, long Requests, long Queries)> _samples = new();
    private long _failures;
    private long _restarts;
    private long _retries;

    /// <summary>Reads <paramref name="metrics"/>; reports partition trouble to <paramref name="incidents"/> when given.</summary>
    public EngineFiguresSource(EngineMetrics metrics, IncidentLog? incidents = null, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _incidents = incidents;
        _window = window ?? DefaultWindow;
    }

    /// <inheritdoc />
    public EngineFigures Snapshot()
    {
        var s = _metrics.Snapshot();
        var now = Stopwatch.GetTimestamp();
        double requestRate, queryRate;
        lock (_gate)
        {
            _samples.Enqueue((now, s.Requests, s.Queries));
            while (_samples.Count > 2 && Stopwatch.GetElapsedTime(_samples.Peek().At, now) > _window)
            {
                _samples.Dequeue();
            }

            var first = _samples.Peek();
            var seconds = Stopwatch.GetElapsedTime(first.At, now).TotalSeconds;
            requestRate = seconds > 0 ? (s.Requests - first.Requests) / seconds : 0;
            queryRate = seconds > 0 ? (s.Queries - first.Queries) / seconds : 0;
            Report(s.Failures, ref _failures, "request-failed", "retrieval request(s) failed (deadline or retries exhausted)");
            Report(s.StepRestarts, ref _restarts, "partition-moved", "step(s) restarted because a partition moved to another node");
            Report(s.Retries, ref _retries, "partition-retry", "message(s) re-sent to partitions that did not answer in time");
        }

        return new EngineFigures(s.Requests, s.Queries, requestRate, queryRate, s.RequestP50Ms, s.RequestP99Ms, s.RoundTripsPerStep, s.BytesMoved);
    }

    private void Report(long now, ref long seen, string kind, string what)
    {
        if (now > seen && _incidents is not null)
        {
            _incidents.Add(kind, "engine", $"{now - seen} {what}");
        }

        seen = Math.Max(seen, now);
    }
}
