using System.Buffers;
using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Maps;

/// <summary>
/// Sequential k-subsets as an <see cref="IMap"/> on a dense score vector in bank order (docs/math.md §2):
/// the output is the unscaled unary marginal vector μ (Σμ = k). Forward gathers the rows with
/// θ_i ≥ θ_(k) − <see cref="SequentialKSubsets.CandidateMargin(double, bool)"/> (a quickselect) and runs
/// <see cref="SequentialKSubsets.Solve(ReadOnlySpan{long}, ReadOnlySpan{double}, int, double, bool)"/> on them,
/// exactly as the distributed coordinator does on the candidates gathered from partitions.
/// </summary>
public sealed class SeqKSubsetsMap : IMap
{
    private readonly ThreadLocal<Last?> _last = new();

    /// <summary>Creates the map from its spec (<see cref="MapKind.SeqKSubsets"/>, K ≥ 1, finite W).</summary>
    public SeqKSubsetsMap(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind != MapKind.SeqKSubsets)
            throw new ArgumentException($"spec: kind must be SeqKSubsets (got {spec.Kind})", nameof(spec));
        if (!(spec.K >= 1) || spec.K != Math.Floor(spec.K) || spec.K > int.MaxValue) throw new ArgumentException($"k: must be a whole number ≥ 1 (got {spec.K})", nameof(spec));
        if (!double.IsFinite(spec.W)) throw new ArgumentException($"w: must be finite (got {spec.W})", nameof(spec));
        Spec = spec;
    }

    /// <inheritdoc />
    public MapSpec Spec { get; }

    /// <inheritdoc />
    public double OutputMass => Spec.K;

    /// <summary>The full solution of the last <see cref="Forward"/> on this thread (positions = indices into θ).</summary>
    public SparseMapSolution? LastSolution => _last.Value?.Solution;

    /// <inheritdoc />
    /// <returns>NaN: the SparseMAP solution has no single threshold.</returns>
    public double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        if (p.Length != theta.Length)
            throw new ArgumentException($"p: length {p.Length} differs from theta ({theta.Length})", nameof(p));
        var (positions, _, solution) = SolveDense(theta);
        p.Clear();
        for (int j = 0; j < positions.Length; j++) p[(int)positions[j]] = solution.Marginals[j];
        double pairs = SequentialKSubsets.ExpectedPairs(solution, positions);
        _last.Value = new Last(theta.Length, pairs, solution, positions);
        return double.NaN;
    }

    /// <inheritdoc />
    /// <remarks>Re-solves on θ (deterministic) and differentiates through the final active set.</remarks>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        int n = theta.Length;
        if (dp.Length != n) throw new ArgumentException($"dp: length must be {n}", nameof(dp));
        if (dtheta.Length != n) throw new ArgumentException($"dtheta: length must be {n}", nameof(dtheta));
        var (positions, _, solution) = SolveDense(theta);
        var local = new double[positions.Length];
        for (int j = 0; j < positions.Length; j++) local[j] = dp[(int)positions[j]];
        var dlocal = new double[positions.Length];
        SequentialKSubsets.Backward(solution, local, dlocal);
        dtheta.Clear();
        for (int j = 0; j < positions.Length; j++) dtheta[(int)positions[j]] = dlocal[j];
    }

    /// <inheritdoc />
    /// <remarks>
    /// Default: Ω(μ) = ½‖μ‖² − w·E[pairs]; compat: ½Σ_i (μ_i² + (1 − μ_i)²) − w·E[pairs] (both states
    /// regularized), so that Ω*(θ) = θᵀμ − Ω(μ). The expected pair count is not a function of μ alone:
    /// for w ≠ 0 it is taken from this thread's last <see cref="Forward"/>, whose output p must be.
    /// </remarks>
    public double Regularizer(ReadOnlySpan<double> p)
    {
        double pairs = 0;
        if (Spec.W != 0)
        {
            var last = _last.Value;
            if (last is null || !last.Produced(p))
                throw new InvalidOperationException(
                    "seq-ksubsets: Regularizer needs the p of this map's last Forward on this thread (the pair marginals are not a function of p alone)");
            pairs = last.Pairs;
        }
        return RegularizerOf(Spec, p, pairs, p.Length);
    }

    /// <summary>
    /// Ω(μ) from the marginals on a sparse set of rows (every other row has μ = 0), the expected number of adjacent
    /// selected pairs (<see cref="SequentialKSubsets.ExpectedPairs"/>) and the sequence length <paramref name="n"/>.
    /// </summary>
    public static double RegularizerOf(MapSpec spec, ReadOnlySpan<double> marginals, double expectedPairs, long n)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (n < marginals.Length) throw new ArgumentException($"n: must be ≥ the marginals' length {marginals.Length} (got {n})", nameof(n));
        double sq = 0;
        if (spec.Compat)
        {
            // Both states are regularized: every row outside the list has (1 − 0)² = 1.
            foreach (double v in marginals) sq += v * v + (1 - v) * (1 - v);
            sq += n - marginals.Length;
        }
        else
        {
            foreach (double v in marginals) sq += v * v;
        }
        return 0.5 * sq - spec.W * expectedPairs;
    }

    private (long[] Positions, double[] Scores, SparseMapSolution Solution) SolveDense(ReadOnlySpan<double> theta)
    {
        int n = theta.Length, k = Spec.SubsetSize;
        int finite = 0;
        for (int i = 0; i < n; i++)
        {
            double t = theta[i];
            if (double.IsNaN(t) || double.IsPositiveInfinity(t))
                throw new ArgumentException($"theta: entries must be finite or −∞ (theta[{i}] = {t})", nameof(theta));
            if (!double.IsNegativeInfinity(t)) finite++;
        }
        if (k > finite)
            throw new ArgumentException($"k: must be ≤ the number of unmasked scores ({finite}), got {k}", nameof(theta));

        // θ_(k) in one streaming pass for the usual small k; quickselect on a copy otherwise.
        double kth;
        if (k <= 4096)
        {
            kth = Selection.KthLargestStreaming(theta, k)!.Value;
        }
        else
        {
            double[] buffer = ArrayPool<double>.Shared.Rent(finite);
            try
            {
                int m = 0;
                for (int i = 0; i < n; i++)
                {
                    if (!double.IsNegativeInfinity(theta[i])) buffer[m++] = theta[i];
                }
                kth = Selection.KthLargest(buffer.AsSpan(0, m), k);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(buffer);
            }
        }

        double bound = kth - SequentialKSubsets.CandidateMargin(Spec.W, Spec.Compat);
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (theta[i] >= bound) count++;
        }
        var positions = new long[count];
        var scores = new double[count];
        count = 0;
        for (int i = 0; i < n; i++)
        {
            if (theta[i] >= bound) { positions[count] = i; scores[count++] = theta[i]; }
        }
        var solution = SequentialKSubsets.Solve(positions, scores, k, Spec.W, Spec.Compat);
        return (positions, scores, solution);
    }

    private sealed record Last(int Length, double Pairs, SparseMapSolution Solution, long[] Positions)
    {
        /// <summary>True when p is this Forward's output (checked without keeping a dense copy).</summary>
        public bool Produced(ReadOnlySpan<double> p)
        {
            if (p.Length != Length) return false;
            int nonzero = 0;
            for (int j = 0; j < Positions.Length; j++)
            {
                double m = Solution.Marginals[j];
                if (p[(int)Positions[j]] != m) return false;
                if (m != 0) nonzero++;
            }
            foreach (double v in p)
            {
                if (v != 0) nonzero--;
            }
            return nonzero == 0;
        }
    }
}
