namespace Hfy.Experiments.Results;

/// <summary>What one cell measured (over its queries).</summary>
/// <param name="Queries">Number of queries run.</param>
/// <param name="SuccessRate">Fraction successful under the spec's criterion.</param>
/// <param name="ExactRate">Fraction whose q_T equals the source pattern exactly (engine tolerance).</param>
/// <param name="CosineRate">Fraction with cos(q_T, x̃) &gt; the spec's threshold.</param>
/// <param name="MeanCosine">Mean cos(q_T, x̃).</param>
/// <param name="SupportHistogram">Queries by final support size 0, 1, …, 10, &gt;10 (12 bins; softmax counts weights &gt; 0.01).</param>
/// <param name="MeanSupport">Mean support size.</param>
/// <param name="MeanSteps">Mean number of updates until convergence (or T).</param>
/// <param name="MaxSteps">Largest number of updates.</param>
/// <param name="EnergyViolations">Steps where the energy increased by more than 1e-9 (relative); must be 0 for HFY maps.</param>
/// <param name="RoundTrips">Coordinator ↔ partition round trips, all queries together.</param>
/// <param name="BytesMoved">Bytes moved by the engine.</param>
/// <param name="ElapsedMs">Wall-clock time of the cell's retrievals.</param>
/// <param name="Attractors">Basins only: per grid start, the pattern reached or −1 (metastable), row-major from (lo, lo).</param>
/// <param name="UniqueRatio">Recall kinds only: |distinct recalled| / number recalled (docs/math.md §5).</param>
/// <param name="LevenshteinCoefficient">Sequential recall only: 1 − lev(recalled, start, start+1, …)/length.</param>
/// <param name="RecallOrder">Recall kinds only: the recalled memories (bank rows) in recall order.</param>
/// <param name="Exponential">Exponential kind only: the cell's parameters, theory and per-query rows.</param>
/// <param name="Learning">Learning kinds (mil) only: the trained model's scores.</param>
public sealed record CellMetrics(
    int Queries,
    double SuccessRate,
    double ExactRate,
    double CosineRate,
    double MeanCosine,
    long[] SupportHistogram,
    double MeanSupport,
    double MeanSteps,
    int MaxSteps,
    int EnergyViolations,
    long RoundTrips,
    long BytesMoved,
    double ElapsedMs,
    int[]? Attractors = null,
    double? UniqueRatio = null,
    double? LevenshteinCoefficient = null,
    int[]? RecallOrder = null,
    ExponentialCellMetrics? Exponential = null,
    global::Hfy.Learning.Experiments.LearningCellMetrics? Learning = null)
{
    /// <summary>Bins of <see cref="SupportHistogram"/>: sizes 0..10 and one for &gt; 10.</summary>
    public const int HistogramBins = 12;

    /// <summary>The histogram bin of a support size.</summary>
    public static int Bin(int support) => Math.Min(Math.Max(support, 0), HistogramBins - 1);
}
