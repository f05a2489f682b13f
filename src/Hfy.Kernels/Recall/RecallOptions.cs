namespace Hfy.Kernels.Recall;

/// <summary>Parameters of the recall protocols of docs/math.md §5 (defaults: the papers' settings).</summary>
/// <param name="Beta">Inverse temperature β &gt; 0.</param>
/// <param name="Steps">Hopfield updates T per recalled memory (≥ 0).</param>
/// <param name="Alpha">α of the entmax updates (penalized free recall, sequential recall); 2 = sparsemax.</param>
/// <param name="Lambda">Penalty weight λ on the accumulated attention a (≥ 0).</param>
/// <param name="Rho">Decay rate ρ ∈ (0, 1] of a.</param>
/// <param name="W">Pair bonus of the seq-2-subsets step of sequential recall.</param>
/// <param name="Count">Memories to recall (default: all N).</param>
/// <param name="Start">Row whose pattern is the initial cue q = x_start.</param>
public sealed record RecallOptions(
    double Beta,
    int Steps = 5,
    double Alpha = 2.0,
    double Lambda = 1e8,
    double Rho = 0.001,
    double W = 1e8,
    int? Count = null,
    int Start = 0)
{
    /// <summary>One line naming the first invalid field and its rule, or null when valid for a bank of <paramref name="rows"/>.</summary>
    public string? Validate(int rows)
    {
        if (rows < 1) return "memories: at least one pattern is needed";
        if (Dynamics.RetrievalOptions.BetaProblem(Beta) is { } beta) return beta;
        if (Steps < 0) return FormattableString.Invariant($"steps: must be ≥ 0 (got {Steps})");
        if (!(Alpha >= 1) || !double.IsFinite(Alpha)) return FormattableString.Invariant($"alpha: must be a finite number ≥ 1 (got {Alpha})");
        if (!(Lambda >= 0) || !double.IsFinite(Lambda)) return FormattableString.Invariant($"lambda: must be a finite number ≥ 0 (got {Lambda})");
        if (!(Rho > 0 && Rho <= 1)) return FormattableString.Invariant($"rho: must be in (0, 1] (got {Rho})");
        if (!double.IsFinite(W)) return FormattableString.Invariant($"w: must be a finite number (got {W})");
        if (Count is { } c && (c < 1 || c > rows)) return FormattableString.Invariant($"count: must be in 1..{rows} (got {c})");
        if (Start < 0 || Start >= rows) return FormattableString.Invariant($"start: must be a row in 0..{rows - 1} (got {Start})");
        return null;
    }
}

/// <summary>What a recall run produced.</summary>
/// <param name="Order">The recalled memories (row indices), in recall order.</param>
/// <param name="UniqueRatio">|distinct recalled| / (number recalled).</param>
/// <param name="LevenshteinCoefficient">Sequential recall: 1 − lev(Order, start, start+1, …)/length; null for free recall.</param>
/// <param name="Method">Which protocol and map, e.g. <c>free/csparsemax</c>.</param>
public sealed record RecallResult(int[] Order, double UniqueRatio, double? LevenshteinCoefficient, string Method);
