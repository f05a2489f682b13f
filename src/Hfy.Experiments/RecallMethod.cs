namespace Hfy.Experiments;

/// <summary>The recall protocols of docs/math.md §5, as run by free-recall and sequential-recall cells.</summary>
public enum RecallMethod
{
    /// <summary>Free recall with constrained sparsemax: p ← csparsemax(βXq; p ≤ u), recalled capacity spent from u.</summary>
    ConstrainedSparsemax,

    /// <summary>Penalized free recall: p ← entmax_α(β(Xq − λa)), a ← ρp + (1−ρ)a, then T plain updates.</summary>
    Penalized,

    /// <summary>Sequential recall: seq-2-subsets transitions (pair bonus w) and T entmax_α updates.</summary>
    Sequential,
}
