using System.Diagnostics;
using Hfy.Experiments.Results;
using Hfy.Kernels.Recall;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Runner;

/// <summary>
/// Runs one free-recall or sequential-recall cell (docs/math.md §5) on the single-node kernels of
/// <c>Hfy.Kernels.Recall</c>. Why not through <see cref="Engines.IRetrievalEngine"/>: every recall round needs the
/// whole score vector at once — constrained sparsemax projects it under per-memory upper bounds u, and
/// sequential recall solves a seq-2-subsets SparseMAP over the whole stored sequence — and carries state
/// (u, or the penalty a) over all N memories from round to round; the engine's retrieval requests offer
/// neither. The cell still goes through the runner like any other: stored before counted, skipped on resume.
/// </summary>
public static class RecallCell
{
    /// <summary>The kernel options of a cell: β and T from the grid, λ, ρ, w, count, start from the spec's <c>recall</c> section.</summary>
    public static RecallOptions Options(ExperimentSpec spec, Cell cell)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cell);
        var r = spec.Recall ?? new RecallSpec();
        return new RecallOptions(
            Beta: cell.Beta,
            Steps: spec.Grid?.Steps ?? 5,
            Alpha: cell.Map.RecallAlpha,
            Lambda: r.Lambda,
            Rho: r.Rho,
            W: r.W ?? 1e8,
            Count: r.Count,
            Start: r.Start);
    }

    /// <summary>Runs the cell's protocol on <paramref name="bank"/> (rows in storage order).</summary>
    public static RecallResult Recall(Bank bank, CellMap map, RecallOptions options)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Recall switch
        {
            RecallMethod.ConstrainedSparsemax => FreeRecall.ConstrainedSparsemax(bank, options),
            RecallMethod.Penalized => FreeRecall.Penalized(bank, options),
            RecallMethod.Sequential => SequentialRecall.Run(bank, options),
            _ => throw new ArgumentException($"{map.Label} is not a recall protocol", nameof(map)),
        };
    }

    /// <summary>
    /// Runs the cell and reports it as <see cref="CellMetrics"/>: success = the protocol's metric (unique memory
    /// ratio for free recall, Levenshtein coefficient for sequential recall), exact = 1 when that metric is 1
    /// (every memory once, or all in stored order), queries = memories recalled, steps = T per memory.
    /// Cosine, support and cost fields do not apply and are 0.
    /// </summary>
    public static CellMetrics Run(ExperimentSpec spec, Bank bank, Cell cell)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var options = Options(spec, cell);
        var clock = Stopwatch.StartNew();
        var result = Recall(bank, cell.Map, options);
        clock.Stop();
        var score = result.LevenshteinCoefficient ?? result.UniqueRatio;
        return new CellMetrics(
            Queries: result.Order.Length,
            SuccessRate: score,
            ExactRate: score == 1.0 ? 1.0 : 0.0,
            CosineRate: 0,
            MeanCosine: 0,
            SupportHistogram: new long[CellMetrics.HistogramBins],
            MeanSupport: 0,
            MeanSteps: options.Steps,
            MaxSteps: options.Steps,
            EnergyViolations: 0,
            RoundTrips: 0,
            BytesMoved: 0,
            ElapsedMs: clock.Elapsed.TotalMilliseconds,
            UniqueRatio: result.UniqueRatio,
            LevenshteinCoefficient: result.LevenshteinCoefficient,
            RecallOrder: result.Order);
    }
}
