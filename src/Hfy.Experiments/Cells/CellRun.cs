using System.Diagnostics;
using Hfy.Experiments.Results;

namespace Hfy.Experiments.Cells;

/// <summary>
/// The bookkeeping both runners share: status "running" and a first report at the start, each newly stored cell
/// counted and reported (with an ETA from the cells run here), status "failed" or "finished" and a last report at the end.
/// </summary>
internal sealed class CellRun
{
    private readonly object _gate = new();
    private readonly ResultsStore _store;
    private readonly string _experimentId;
    private readonly IProgress<ExperimentProgress>? _progress;
    private readonly int _total;
    private readonly int _doneAtStart;
    private readonly Stopwatch _clock;
    private int _done;

    private CellRun(ResultsStore store, string experimentId, IProgress<ExperimentProgress>? progress, int total, int doneAtStart)
    {
        _store = store;
        _experimentId = experimentId;
        _progress = progress;
        _total = total;
        _done = _doneAtStart = doneAtStart;
        _clock = Stopwatch.StartNew();
    }

    /// <summary>
    /// Marks the experiment running, reports, runs <paramref name="body"/>, then marks it finished; an error marks it
    /// failed and rethrows; cancellation leaves it "running" so that the next run resumes from the store.
    /// </summary>
    public static async Task RunAsync(ResultsStore store, string experimentId, IProgress<ExperimentProgress>? progress, int total, int doneAtStart,
        Func<CellRun, Task> body, CancellationToken cancellationToken)
    {
        var run = new CellRun(store, experimentId, progress, total, doneAtStart);
        store.SetStatus(experimentId, ExperimentStatus.Running);
        progress?.Report(new ExperimentProgress(experimentId, doneAtStart, total, TimeSpan.Zero, null, ExperimentStatus.Running, null));
        try
        {
            await body(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Left "running": the next RunAsync resumes from the store.
            throw;
        }
        catch (Exception e)
        {
            store.SetStatus(experimentId, ExperimentStatus.Failed, e.Message);
            run.Report(ExperimentStatus.Failed);
            throw;
        }
        store.SetStatus(experimentId, ExperimentStatus.Finished);
        run.Report(ExperimentStatus.Finished);
    }

    /// <summary>Stores a cell; when it is new, counts and reports it. False when it was stored already.</summary>
    public bool Store(CellRecord record)
    {
        // Stored first, counted second: a crash between the two loses nothing.
        if (!_store.TryAddCell(record)) return false;
        // Counted and reported under one lock, so that reports arrive in order (Done never goes backwards).
        lock (_gate)
        {
            var now = ++_done;
            var ranHere = now - _doneAtStart;
            var elapsed = _clock.Elapsed;
            TimeSpan? eta = ranHere > 0 ? elapsed / ranHere * (_total - now) : null;
            _progress?.Report(new ExperimentProgress(_experimentId, now, _total, elapsed, eta, ExperimentStatus.Running, record));
        }
        return true;
    }

    private void Report(string status) =>
        _progress?.Report(new ExperimentProgress(_experimentId, _done, _total, _clock.Elapsed, TimeSpan.Zero, status, null));
}
