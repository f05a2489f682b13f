namespace Hfy.Experiments.Results;

/// <summary>One query of an exponential cell (overlaps φ = ξ·x / N, i.e. cosines on the sphere).</summary>
/// <param name="Target">The stored pattern the query started from (row index).</param>
/// <param name="PhiTarget">Final φ_target = ξ_target·x_T / N.</param>
/// <param name="PhiOtherFinal">Largest overlap of the final state with any other pattern.</param>
/// <param name="PhiMaxOther">φ_max,other: the target's own largest overlap with another pattern.</param>
/// <param name="Support">Final support size (softmax: weights &gt; 0.01).</param>
/// <param name="Steps">Updates run.</param>
/// <param name="OneStep">Sparse maps: one update from the stored pattern returns it exactly (the map is one-hot on it); null for softmax.</param>
/// <param name="Success">φ_target ≥ φ_keep and φ_target &gt; every other overlap.</param>
/// <param name="WeightAtPattern">The target's weight p_target of the map at x = ξ_target (the α_c criterion for softmax: p_target ≥ ½).</param>
public sealed record ExponentialQueryRow(long Target, double PhiTarget, double PhiOtherFinal, double PhiMaxOther, long Support, int Steps, bool? OneStep, bool Success,
    double WeightAtPattern = double.NaN);

/// <summary>What an exponential cell (one grid point on one bank) measured, with the theory evaluated at its parameters.</summary>
/// <param name="Dim">Dimension N.</param>
/// <param name="Patterns">Pattern count P.</param>
/// <param name="Alpha">Load α as written in the spec.</param>
/// <param name="AlphaEff">ln P / N.</param>
/// <param name="BetaNet">β_net.</param>
/// <param name="Beta">β = β_net N, the inverse temperature the engine ran on unit-norm rows.</param>
/// <param name="Map">Map label.</param>
/// <param name="Margin">One-hot margin m (sparse maps), null for softmax.</param>
/// <param name="Start">Start overlap φ₀.</param>
/// <param name="Bank">Bank index.</param>
/// <param name="Ensemble">sphere, gaussian or binary.</param>
/// <param name="Keep">φ_keep of the success criterion.</param>
/// <param name="Successes">Successful queries.</param>
/// <param name="OneHot">Sparse maps: queries whose one update from the stored pattern was exact.</param>
/// <param name="OneHotPredicted">Sparse maps: queries whose measured gap β_net N (1 − φ_max,other) reaches m.</param>
/// <param name="Disagreements">Sparse maps: queries where <see cref="OneHot"/> and the prediction from their own gap differ (outside the tie band).</param>
/// <param name="Ties">Sparse maps: queries whose gap is within 1e-4·m of m (float32 scoring may decide either way; not counted as disagreements).</param>
/// <param name="OneHotProbability">Sparse maps: the exact finite-N P(one-hot) = F_N(1 − m/(β_net N))^{P−1} (binary: the ±1 overlap law).</param>
/// <param name="AlphaC">α_c(β_net), the softmax threshold.</param>
/// <param name="PhiMaxTheory">√(1 − e^{−2α_eff}), the large-N largest overlap.</param>
/// <param name="BasinBoundary">Sparse maps: the predicted basin boundary √(1 − e^{−2α_eff}) + m/(β_net N).</param>
/// <param name="DynamicsMs">Wall time of the engine's dynamics.</param>
/// <param name="ScanMs">Wall time of this cell's share of the overlap scan.</param>
/// <param name="Rows">Per-query rows.</param>
public sealed record ExponentialCellMetrics(
    int Dim,
    long Patterns,
    double Alpha,
    double AlphaEff,
    double BetaNet,
    double Beta,
    string Map,
    double? Margin,
    double Start,
    int Bank,
    string Ensemble,
    double Keep,
    int Successes,
    int? OneHot,
    int? OneHotPredicted,
    int? Disagreements,
    int? Ties,
    double? OneHotProbability,
    double AlphaC,
    double PhiMaxTheory,
    double? BasinBoundary,
    double DynamicsMs,
    double ScanMs,
    ExponentialQueryRow[] Rows);
