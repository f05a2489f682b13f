namespace Hfy.Kernels.Structured;

/// <summary>
/// Sequential k-subsets SparseMAP (docs/math.md §2): structures choose exactly k rows, score
/// s(y) = Σ θ_i y_i + w Σ y_{i−1} y_i over adjacent rows (bank order), and the marginals solve
/// argmax_{μ ∈ conv} θᵀμ_unary + w·(pair marginals) − ½‖μ_unary‖². With w = 0 this is exactly k-subsets.
/// </summary>
/// <remarks>
/// <para>Compatibility (<c>compat</c>): the published code regularizes both states of every row, which
/// equals this formulation applied to (θ/2, w/2), and caps the active set at 10 iterations; compat
/// reproduces both (golden traces <c>seq_ksubsets2_*</c> and the reference vectors of docs/math.md §2).</para>
/// <para>Distributed use: rows below θ_(k) − <see cref="CandidateMargin(double)"/> are never selected, so
/// <see cref="Solve(ReadOnlySpan{long}, ReadOnlySpan{double}, int, double, bool)"/> on the rows above it
/// (with their bank positions) returns the same marginals as on the whole bank.</para>
/// </remarks>
public static class SequentialKSubsets
{
    /// <summary>
    /// Margin below the k-th largest score θ_(k) under which a row can never carry weight, valid for the
    /// default and the compatibility formulation: 2 + 2|w| (see <see cref="CandidateMargin(double, bool)"/>).
    /// </summary>
    public static double CandidateMargin(double w) => CandidateMargin(w, compat: true);

    /// <summary>
    /// Margin below θ_(k) under which a row is never selected by any oracle call of the active set.
    /// </summary>
    /// <remarks>
    /// Default formulation: the oracle runs on η = θ − μ with 0 ≤ μ ≤ 1, so η_(k) ≥ θ_(k) − 1 and η_i ≤ θ_i;
    /// the oracle's exact pruning drops rows with η_i + 2|w| &lt; η_(k), hence every row with
    /// θ_i &lt; θ_(k) − 1 − 2|w| is dropped in every call, never enters the active set and has μ_i = 0:
    /// margin 1 + 2|w|. Compat solves (θ/2, w/2): η' = θ/2 − μ, and the same argument gives
    /// θ_i/2 &lt; θ_(k)/2 − 1 − |w|, i.e. margin 2 + 2|w| on the original scores.
    /// Such rows are also never among the top k of η, so η_(k) computed on the candidates alone equals
    /// the full one and the pruned DP sees exactly the same rows.
    /// </remarks>
    public static double CandidateMargin(double w, bool compat)
    {
        if (!double.IsFinite(w)) throw new ArgumentException($"w: must be finite (got {w})", nameof(w));
        return compat ? 2 + 2 * Math.Abs(w) : 1 + 2 * Math.Abs(w);
    }

    /// <summary>
    /// Solves sequential k-subsets on a sparse ascending sequence of rows.
    /// </summary>
    /// <param name="positions">Bank positions, strictly ascending; rows are adjacent when positions differ by 1.</param>
    /// <param name="scores">Scores θ of those rows (finite).</param>
    /// <param name="k">Rows per structure, 1 ≤ k ≤ rows.</param>
    /// <param name="w">Bonus per adjacent selected pair (finite).</param>
    /// <param name="compat">Reproduce the published code (θ/2, w/2 and at most 10 active-set iterations).</param>
    /// <returns>Marginals aligned with <paramref name="positions"/>; structures index into that sequence.</returns>
    public static SparseMapSolution Solve(ReadOnlySpan<long> positions, ReadOnlySpan<double> scores, int k, double w, bool compat) =>
        Solve(positions, scores, k, w, compat, options: null);

    /// <summary>As <see cref="Solve(ReadOnlySpan{long}, ReadOnlySpan{double}, int, double, bool)"/> with explicit stopping rules
    /// (null: exact, or the published cap when <paramref name="compat"/>).</summary>
    public static SparseMapSolution Solve(ReadOnlySpan<long> positions, ReadOnlySpan<double> scores, int k, double w, bool compat,
        SparseMapOptions? options)
    {
        if (scores.Length != positions.Length)
            throw new ArgumentException($"scores: length {scores.Length} differs from positions ({positions.Length})", nameof(scores));
        if (positions.Length == 0) throw new ArgumentException("positions: at least one row is needed", nameof(positions));
        if (k < 1 || k > positions.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k: must be in 1..{positions.Length} (the number of rows given)");
        if (!double.IsFinite(w)) throw new ArgumentException($"w: must be finite (got {w})", nameof(w));
        for (int i = 0; i < scores.Length; i++)
        {
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"scores: entries must be finite (scores[{i}] = {scores[i]})", nameof(scores));
        }

        double scale = compat ? 0.5 : 1;
        var oracle = new SequenceBudgetOracle(positions, k, w * scale);
        options ??= compat ? SparseMapOptions.Published : SparseMapOptions.Exact;
        if (!compat) return SparseMapSolver.Solve(oracle, scores, options, scale);
        var half = new double[scores.Length];
        for (int i = 0; i < half.Length; i++) half[i] = scores[i] * scale;
        return SparseMapSolver.Solve(oracle, half, options, scale);
    }

    /// <summary>VJP of the marginals: dθ = (∂μ/∂θ)ᵀ dμ through the solution's active set
    /// (see <see cref="SparseMapSolver.Backward(SparseMapSolution, ReadOnlySpan{double}, Span{double})"/>).</summary>
    public static void Backward(SparseMapSolution solution, ReadOnlySpan<double> dmu, Span<double> dtheta) =>
        SparseMapSolver.Backward(solution, dmu, dtheta);

    /// <summary>VJP with respect to θ and to the pair bonus w: dw = Σ_s g_s · pairs_s, where g is the
    /// gradient with respect to each active structure's score (see <see cref="SparseMapSolver.Backward(SparseMapSolution, ReadOnlySpan{double}, Span{double}, Span{double})"/>).</summary>
    /// <param name="solution">The solution of <see cref="Solve(ReadOnlySpan{long}, ReadOnlySpan{double}, int, double, bool)"/>.</param>
    /// <param name="positions">The positions passed to Solve (they define adjacency).</param>
    /// <param name="dmu">Incoming gradient with respect to the marginals.</param>
    /// <param name="dtheta">Output gradient with respect to the scores.</param>
    /// <returns>dw.</returns>
    public static double Backward(SparseMapSolution solution, ReadOnlySpan<long> positions, ReadOnlySpan<double> dmu, Span<double> dtheta)
    {
        ArgumentNullException.ThrowIfNull(solution);
        if (positions.Length != solution.Marginals.Length)
            throw new ArgumentException($"positions: length must be {solution.Marginals.Length}", nameof(positions));
        var g = new double[solution.Structures.Count];
        SparseMapSolver.Backward(solution, dmu, dtheta, g);
        double dw = 0;
        for (int s = 0; s < g.Length; s++)
        {
            var y = solution.Structures[s];
            int pairs = 0;
            for (int t = 1; t < y.Length; t++)
            {
                if (positions[y[t]] - positions[y[t - 1]] == 1) pairs++;
            }
            dw += g[s] * pairs;
        }
        return dw;
    }

    /// <summary>Expected number of adjacent selected pairs under the solution's distribution over structures.</summary>
    public static double ExpectedPairs(SparseMapSolution solution, ReadOnlySpan<long> positions)
    {
        ArgumentNullException.ThrowIfNull(solution);
        double sum = 0;
        for (int s = 0; s < solution.Structures.Count; s++)
        {
            var y = solution.Structures[s];
            int pairs = 0;
            for (int t = 1; t < y.Length; t++)
            {
                if (positions[y[t]] - positions[y[t - 1]] == 1) pairs++;
            }
            sum += solution.Weights[s] * pairs;
        }
        return sum;
    }
}
