using System.Diagnostics;
using Hfy.Coordinator.Engine;

namespace Hfy.Coordinator.Web;

/// <summary>
/// Records every engine request (latency, steps, round trips, bytes, batch size) and reports throughput,
/// latency percentiles and round trips per step over a sliding window.
/// </summary>
/// <remarks>Requests are coarse (a batch of queries for several dynamics steps), so a lock per record is cheap.</remarks>
public sealed class RequestMeter : IEngineMetricsSource
{
    /// <summary>Default width of the sliding window.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);

    /// <summary>Most requests kept in the window, whatever its width (bounds memory under heavy load).</summary>
    public const int MaxSamples = 65_536;

    private readonly Lock _gate = new();
    private readonly Queue<Sample> _samples = new();
    private readonly TimeSpan _window;
    private readonly Func<long> _clock;
    private readonly long _startTicks;
    private long _requestsTotal;
    private long _queriesTotal;
    private long _bytesTotal;
    private double _latencySecondsSum;

    /// <summary>A meter with the given window, on the monotonic clock.</summary>
    public RequestMeter(TimeSpan? window = null)
        : this(window ?? DefaultWindow, Stopwatch.GetTimestamp)
    {
    }

    /// <summary>A meter on a given clock (<see cref="Stopwatch"/> ticks), for tests.</summary>
    internal RequestMeter(TimeSpan window, Func<long> clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _window = window;
        _clock = clock;
        _startTicks = clock();
    }

    /// <summary>Records one finished request of <paramref name="batch"/> queries.</summary>
    public void Record(RequestStats stats, int batch)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var now = _clock();
        lock (_gate)
        {
            _requestsTotal++;
            _queriesTotal += batch;
            _bytesTotal += stats.BytesMoved;
            _latencySecondsSum += stats.Elapsed.TotalSeconds;
            _samples.Enqueue(new Sample(now, stats.Elapsed.TotalMilliseconds, stats.Steps, stats.RoundTrips, batch));
            Trim(now);
        }
    }

    /// <inheritdoc />
    public EngineFigures Snapshot()
    {
        var now = _clock();
        lock (_gate)
        {
            Trim(now);
            var count = _samples.Count;
            // Early on the window is not full yet: divide by the time since start so the rate is not understated.
            var seconds = Math.Min(_window.TotalSeconds, Stopwatch.GetElapsedTime(_startTicks, now).TotalSeconds);
            seconds = Math.Max(seconds, 1e-3);
            if (count == 0)
            {
                return new EngineFigures(_requestsTotal, _queriesTotal, 0, 0, 0, 0, 0, _bytesTotal, _latencySecondsSum);
            }

            var latencies = new double[count];
            long steps = 0, roundTrips = 0, queries = 0;
            var i = 0;
            foreach (var s in _samples)
            {
                latencies[i++] = s.LatencyMs;
                steps += s.Steps;
                roundTrips += s.RoundTrips;
                queries += s.Batch;
            }

            Array.Sort(latencies);
            return new EngineFigures(
                _requestsTotal,
                _queriesTotal,
                count / seconds,
                queries / seconds,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                steps == 0 ? 0 : (double)roundTrips / steps,
                _bytesTotal,
                _latencySecondsSum);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(ReadOnlySpan<double> sorted, double q)
    {
        Debug.Assert(sorted.Length > 0 && q is > 0 and <= 1);
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private void Trim(long now)
    {
        while (_samples.Count > 0 && (_samples.Count > MaxSamples || Stopwatch.GetElapsedTime(_samples.Peek().At, now) > _window))
        {
            _samples.Dequeue();
        }
    }

    private readonly record struct Sample(long At, double LatencyMs, int Steps, int RoundTrips, int Batch);
}
