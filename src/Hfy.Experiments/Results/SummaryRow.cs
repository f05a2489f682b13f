namespace Hfy.Experiments.Results;

/// <summary>Cells that differ only by repeat, aggregated: median and interquartile range of the success rate over repeats.</summary>
/// <param name="N">Bank size.</param>
/// <param name="Map">Map label.</param>
/// <param name="Beta">β.</param>
/// <param name="Post">Post-transform.</param>
/// <param name="Noise">σ.</param>
/// <param name="Repeats">Repeats stored.</param>
/// <param name="Median">Median success rate over repeats.</param>
/// <param name="Q1">First quartile.</param>
/// <param name="Q3">Third quartile.</param>
/// <param name="ExactRate">Mean exact-retrieval rate.</param>
/// <param name="CosineRate">Mean cosine success rate.</param>
/// <param name="SupportHistogram">Summed support-size histogram (0..10, &gt;10).</param>
/// <param name="MeanSteps">Mean updates.</param>
/// <param name="EnergyViolations">Total energy increases.</param>
/// <param name="RoundTrips">Total round trips.</param>
/// <param name="BytesMoved">Total bytes.</param>
/// <param name="ElapsedMs">Total time.</param>
/// <param name="UniqueRatio">Recall kinds: mean unique memory ratio over repeats (null otherwise).</param>
/// <param name="LevenshteinCoefficient">Sequential recall: mean Levenshtein coefficient over repeats (null otherwise).</param>
public sealed record SummaryRow(long N, string Map, double Beta, string Post, double Noise, int Repeats,
    double Median, double Q1, double Q3, double ExactRate, double CosineRate, long[] SupportHistogram,
    double MeanSteps, int EnergyViolations, long RoundTrips, long BytesMoved, double ElapsedMs,
    double? UniqueRatio = null, double? LevenshteinCoefficient = null)
{
    /// <summary>Groups cells by everything but the repeat, in grid order.</summary>
    public static IReadOnlyList<SummaryRow> Summarize(IEnumerable<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return cells.OrderBy(c => c.Index)
            .GroupBy(c => c.Params.GroupKey)
            .Select(g =>
            {
                var p = g.First().Params;
                var rates = g.Select(c => c.Metrics.SuccessRate).Order().ToArray();
                var hist = new long[CellMetrics.HistogramBins];
                foreach (var c in g)
                {
                    for (var i = 0; i < hist.Length && i < c.Metrics.SupportHistogram.Length; i++) hist[i] += c.Metrics.SupportHistogram[i];
                }
                return new SummaryRow(p.N, p.Map, p.Beta, p.Post, p.Noise, rates.Length,
                    Quantile(rates, 0.5), Quantile(rates, 0.25), Quantile(rates, 0.75),
                    g.Average(c => c.Metrics.ExactRate), g.Average(c => c.Metrics.CosineRate), hist,
                    g.Average(c => c.Metrics.MeanSteps), g.Sum(c => c.Metrics.EnergyViolations),
                    g.Sum(c => c.Metrics.RoundTrips), g.Sum(c => c.Metrics.BytesMoved), g.Sum(c => c.Metrics.ElapsedMs),
                    MeanOf(g.Select(c => c.Metrics.UniqueRatio)), MeanOf(g.Select(c => c.Metrics.LevenshteinCoefficient)));
            })
            .ToArray();
    }

    /// <summary>Mean of the values present; null when none is.</summary>
    private static double? MeanOf(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : present.Average();
    }

    /// <summary>Linear-interpolation quantile (numpy's default) of sorted values.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) return double.NaN;
        var pos = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
