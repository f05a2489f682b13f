using System.Globalization;

namespace Hfy.Experiments;

/// <summary>One stored unit of the exponential experiment: a grid point on one bank (disorder sample).</summary>
/// <param name="Key">Stable key, unique within the experiment.</param>
/// <param name="Index">Position in the expansion order.</param>
/// <param name="Dim">Dimension N.</param>
/// <param name="Patterns">Pattern count P.</param>
/// <param name="Alpha">Load α as written in the spec.</param>
/// <param name="BetaNet">β_net (the engine runs β = β_net N on unit rows).</param>
/// <param name="Map">The map.</param>
/// <param name="Start">Start overlap φ₀ (1: the stored pattern).</param>
/// <param name="Bank">Bank (disorder sample) index.</param>
public sealed record ExponentialCell(string Key, int Index, int Dim, long Patterns, double Alpha, double BetaNet, CellMap Map, double Start, int Bank)
{
    /// <summary>The effective load ln P / N (P is rounded, and the N-ramp rounds N).</summary>
    public double AlphaEff => Math.Log(Patterns) / Dim;

    /// <summary>The engine's inverse temperature on unit-norm rows: β = β_net N.</summary>
    public double Beta => BetaNet * Dim;

    /// <summary>The one-hot margin m of a sparse map (docs/math.md §17), null for softmax.</summary>
    public double? Margin => ExponentialGrid.Margin(Map);

    /// <summary>The key without the bank: cells that differ only by bank aggregate into one row.</summary>
    public string GroupKey => MakeGroupKey(Dim, Patterns, Alpha, BetaNet, Map.Label, Start);

    /// <summary>e.g. <c>N=20|P=403429|alpha=0.645|betaNet=1|map=sparsemax|phi0=1|bank=0</c>.</summary>
    public static string MakeKey(int dim, long patterns, double alpha, double betaNet, string map, double start, int bank)
        => MakeGroupKey(dim, patterns, alpha, betaNet, map, start) + "|bank=" + bank.ToString(CultureInfo.InvariantCulture);

    /// <summary>The key without the bank part.</summary>
    public static string MakeGroupKey(int dim, long patterns, double alpha, double betaNet, string map, double start)
        => string.Create(CultureInfo.InvariantCulture, $"N={dim}|P={patterns}|alpha={alpha:R}|betaNet={betaNet:R}|map={map}|phi0={start:R}");
}
