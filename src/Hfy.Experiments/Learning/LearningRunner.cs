using Hfy.Experiments.Cells;
using Hfy.Experiments.Results;
using Hfy.Learning.Experiments;

namespace Hfy.Experiments.Learning;

/// <summary>The report of a learning experiment (<c>mil</c>, <c>rationale</c>; docs/learning.md).</summary>
public static class LearningReport
{
    /// <summary>The report of a learning experiment's stored cells (markdown).</summary>
    public static string Markdown(IEnumerable<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var metrics = cells.Select(c => c.Metrics.Learning).OfType<LearningCellMetrics>().ToArray();
        return metrics.Any(m => m.Task == "rationale") ? RationaleSpec.Markdown(metrics) : MilExperiment.Markdown(metrics);
    }
}

/// <summary>
/// Runs (or resumes) a learning experiment: per (data set, map) the phase-1 cells (every configuration on every fold,
/// seed 0), then — the configuration chosen from the stored phase-1 cells — the phase-2 cells (seeds 1 …); the
/// (data set, map) pairs run side by side. Cells run on an <see cref="ILearningCellEngine"/> (a cluster's bank nodes, or
/// this process); each finished cell is stored once, before it is counted; stored cells are skipped on resume.
/// </summary>
public sealed class LearningRunner
{
    private readonly ResultsStore _store;
    private readonly ILearningCellEngine _cells;

    /// <summary>A runner over a store; cells run on <paramref name="cells"/>, or in this process when it is null.</summary>
    public LearningRunner(ResultsStore store, RunnerOptions? options = null, ILearningCellEngine? cells = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _cells = cells ?? new LocalLearningCells((options ?? new RunnerOptions()).MaxConcurrentCells);
    }

    /// <summary>Runs the cells of <paramref name="experimentId"/> not yet stored.</summary>
    public async Task RunAsync(string experimentId, ExperimentPlan plan, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Kind == ExperimentKind.Rationale)
        {
            await RunRationaleAsync(experimentId, plan.Spec.Rationale!, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        var spec = plan.Spec.Mil!;
        var mil = new MilExperiment(spec);
        var section = LearningCellWork.SectionOf(spec);
        var total = (int)MilExperiment.Count(spec);
        var stored = _store.GetCellKeys(experimentId);
        await CellRun.RunAsync(_store, experimentId, progress, total, stored.Count, async run =>
        {
            using var slots = new SemaphoreSlim(_cells.LearningCellSlots);
            var pairs = new List<Func<CancellationToken, Task>>();
            var index = 0;
            foreach (var dataset in spec.Datasets!)
            {
                for (var m = 0; m < mil.Maps.Count; m++)
                {
                    var (d, map, first) = (dataset, m, index);
                    var phase1 = mil.Phase1(d, map).ToArray();
                    index += phase1.Length + (mil.FoldsOf(d) * Math.Max(0, spec.Seeds - 1));
                    pairs.Add(async ct =>
                    {
                        await RunCellsAsync(experimentId, section, mil, phase1, first, stored, run, slots, ct).ConfigureAwait(false);
                        var keys = phase1.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
                        var chosen = spec.ConfigCount == 1 ? 0 : MilExperiment.Choose(_store.GetCells(experimentId)
                            .Where(c => keys.Contains(c.Key)).Select(c => c.Metrics.Learning).OfType<LearningCellMetrics>());
                        await RunCellsAsync(experimentId, section, mil, [.. mil.Phase2(d, map, chosen)], first + phase1.Length, stored, run, slots, ct)
                            .ConfigureAwait(false);
                    });
                }
            }

            await AllOrFirstFailureAsync(pairs, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunRationaleAsync(string experimentId, RationaleSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        var stored = _store.GetCellKeys(experimentId);
        var section = LearningCellWork.SectionOf(spec);
        await CellRun.RunAsync(_store, experimentId, progress, (int)spec.Count, stored.Count, async run =>
        {
            using var slots = new SemaphoreSlim(_cells.LearningCellSlots);
            var cells = spec.Cells().Select((c, i) => (c.Map, c.Seed, Index: i)).Where(c => !stored.Contains(spec.Key(c.Map, c.Seed)));
            await AllOrFirstFailureAsync(cells.Select(c => (Func<CancellationToken, Task>)(async ct =>
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    var started = DateTime.UtcNow;
                    var m = await _cells.RunLearningCellAsync(LearningCellWork.ForRationale(section, c.Map, c.Seed), ct).ConfigureAwait(false);
                    var metrics = new CellMetrics(spec.Test, m.TestAccuracy, 0, 0, 0, new long[CellMetrics.HistogramBins], 0, 0, 0, 0, 0, 0, m.Seconds * 1000, Learning: m);
                    var p = new CellParams(spec.Length, $"rationale {m.Map}", spec.Beta, "rationale", 0, c.Seed);
                    run.Store(new CellRecord(experimentId, spec.Key(c.Map, c.Seed), c.Index, p, metrics, started, DateTime.UtcNow));
                }
                finally
                {
                    slots.Release();
                }
            })), cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunCellsAsync(string experimentId, string section, MilExperiment mil, MilCell[] cells, int firstIndex, HashSet<string> stored,
        CellRun run, SemaphoreSlim slots, CancellationToken ct)
    {
        var tasks = cells.Select((cell, i) => (cell, i)).Where(x => !stored.Contains(x.cell.Key)).Select(async x =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var started = DateTime.UtcNow;
                var m = await _cells.RunLearningCellAsync(LearningCellWork.ForMil(section, x.cell), ct).ConfigureAwait(false);
                var score = MilExperiment.Score(m, validation: false);
                var metrics = new CellMetrics(0, score, 0, 0, 0, new long[CellMetrics.HistogramBins], 0, 0, 0, 0, 0, 0, m.Seconds * 1000, Learning: m);
                var p = new CellParams(x.cell.Fold, $"{x.cell.Dataset} {x.cell.Map.Label} c{x.cell.Config}", mil.Spec.Configs(x.cell.Map)[x.cell.Config].Beta, "mil", 0, x.cell.Seed);
                run.Store(new CellRecord(experimentId, x.cell.Key, firstIndex + x.i, p, metrics, started, DateTime.UtcNow));
            }
            finally
            {
                slots.Release();
            }
        }).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Runs every piece of work; the first failure cancels the rest and is what is thrown (not a cancellation it caused).</summary>
    private static async Task AllOrFirstFailureAsync(IEnumerable<Func<CancellationToken, Task>> work, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = work.Select(async w =>
        {
            try
            {
                await w(failed.Token).ConfigureAwait(false);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToArray();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            var first = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }
}
