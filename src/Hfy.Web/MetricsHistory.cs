namespace Hfy.Web;

/// <summary>
/// The engine figures the dashboard charts, sampled every <see cref="WebOptions.HistoryInterval"/> from the moment the
/// server starts and kept for <see cref="WebOptions.HistoryWindow"/>, so a page opened now draws the last hour
/// rather than starting empty. Thread-safe.
/// </summary>
public sealed class MetricsHistory : IAsyncDisposable
{
    private readonly IEngineMetricsSource _source;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Queue<MetricsPoint> _points = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    /// <summary>Starts sampling <paramref name="source"/> every <paramref name="interval"/> (the first sample now).</summary>
    public MetricsHistory(IEngineMetricsSource source, TimeSpan interval, TimeSpan window, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, interval);
        _source = source;
        _window = window;
        _time = time ?? TimeProvider.System;
        Sample();
        _sampling = RunAsync(interval, _stop.Token);
    }

    /// <summary>The kept samples, oldest first.</summary>
    public IReadOnlyList<MetricsPoint> Points()
    {
        lock (_gate)
        {
            return [.. _points];
        }
    }

    /// <summary>Takes one sample now and drops those older than the window.</summary>
    public void Sample()
    {
        var now = _time.GetUtcNow();
        var point = MetricsPoint.Of(now, _source.Snapshot());
        lock (_gate)
        {
            _points.Enqueue(point);
            while (_points.Count > 0 && now - _points.Peek().At > _window)
            {
                _points.Dequeue();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }
}
