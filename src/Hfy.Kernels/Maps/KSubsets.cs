using System.Buffers;
using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// k-subsets SparseMAP (docs/math.md §2): Euclidean projection onto the capped simplex
/// {μ ∈ [0,1]^N, Σμ = k}: μ_i = clip(θ_i − τ, 0, 1). Unscaled marginals (Σμ = k) by default, as the
/// published Hopfield code uses; with <see cref="MapSpec.Normalize"/> the output is μ/k (mixture reading).
/// k is any real budget in (0, N]: with m = ⌈k⌉, the support ⊆ {θ_i &gt; θ_(m) − 1}; for whole k a single
/// structure exactly when θ_(k) − θ_(k+1) ≥ 1.
/// </summary>
public sealed class KSubsets : IThresholdMap
{
    private readonly CappedModel _model;
    private readonly int _rank;

    /// <summary>k-subsets with the given budget k &gt; 0 (need not be whole).</summary>
    public KSubsets(double k, bool normalize = false)
        : this(MapSpec.KSubsets(k, normalize))
    {
    }

    /// <summary>k-subsets from a spec (uses <see cref="MapSpec.K"/> and <see cref="MapSpec.Normalize"/>).</summary>
    public KSubsets(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.K > 0) || !double.IsFinite(spec.K))
        {
            throw new ArgumentException($"k: must be a finite number > 0 (got {spec.K}).", nameof(spec));
        }

        Spec = spec;
        K = spec.K;
        _rank = spec.SubsetSize;
        Normalize = spec.Normalize;
        _model = new CappedModel(spec.K);
    }

    /// <inheritdoc />
    public MapSpec Spec { get; }

    /// <summary>Budget k = Σμ (a subset size when whole).</summary>
    public double K { get; }

    /// <summary>True when the output is μ/k (sums to 1) rather than μ (sums to k).</summary>
    public bool Normalize { get; }

    /// <inheritdoc />
    public double OutputMass => Normalize ? 1.0 : K;

    /// <inheritdoc />
    /// <remarks>Always false: <see cref="Weight"/> already returns μ_i/k in the normalized reading.</remarks>
    public bool WeightsNeedNormalizing => false;

    /// <inheritdoc />
    /// <remarks>⌈k⌉: at τ = θ_(⌈k⌉) − 1 the top ⌈k⌉ are saturated (mass ≥ k), at τ = θ_(⌈k⌉) fewer than k are positive.</remarks>
    public int AnchorRank => _rank;

    /// <inheritdoc />
    /// <remarks>
    /// θ_(m), m = ⌈k⌉, by quickselect (O(N)), then only the candidates above θ_(m) − 1 are sorted and the
    /// piecewise linear mass is solved exactly between consecutive breakpoints {θ_i, θ_i − 1}. Scores are
    /// shifted by θ_(m) first; −∞ entries get weight 0. Needs k ≤ the number of finite scores.
    /// </remarks>
    public double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        var max = ScoreVectors.MaxFinite(theta, out var finite);
        if (K > finite)
        {
            throw new ArgumentException($"k: must be ≤ the number of finite scores {finite} (got {K}).", nameof(theta));
        }

        // Shift by θ_(m), not the max: τ − θ_(m) ∈ [−1, 0], so the partially selected entries keep full
        // precision even next to scores of ±1e30, and entries ≥ θ_(m) + 1 are saturated whatever τ is.
        var anchor = _rank == 1 ? max : ScoreVectors.KthLargest(theta, _rank);
        var count = ScoreVectors.Candidates(theta, anchor, 1.0, -1.0, out var buffer);
        double tau;
        try
        {
            ScoreVectors.SortDescending(buffer.AsSpan(0, count));
            tau = Solve(buffer.AsSpan(0, count), K);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }

        var scale = Normalize ? 1.0 / K : 1.0;
        for (var i = 0; i < theta.Length; i++)
        {
            p[i] = Math.Clamp(theta[i] - anchor - tau, 0.0, 1.0) * scale;
        }

        return tau + anchor;
    }

    /// <inheritdoc />
    /// <remarks>On A = {0 &lt; μ &lt; 1}: dθ_i = dμ_i − mean_A dμ, 0 elsewhere (times 1/k when normalized).</remarks>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        MapCalculus.CheckBackwardShapes(theta, p, dp, dtheta);
        var scale = Normalize ? (double)K : 1.0;
        double sum = 0;
        var free = 0;
        for (var i = 0; i < p.Length; i++)
        {
            if (IsFree(p[i] * scale))
            {
                sum += dp[i];
                free++;
            }
        }

        var mean = free > 0 ? sum / free : 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            dtheta[i] = IsFree(p[i] * scale) ? (dp[i] - mean) / scale : 0.0;
        }
    }

    /// <inheritdoc />
    public double RegularizerTerm(double weight) => weight * weight;

    /// <inheritdoc />
    public double RegularizerFromSums(double termSum, double weightSum) => 0.5 * termSum * (Normalize ? K : 1.0);

    /// <inheritdoc />
    /// <remarks>½‖μ‖² for unscaled marginals; (k/2)‖p‖² for p = μ/k (so that θᵀp − Ω(p) = Ω*(θ)/k).</remarks>
    public double Regularizer(ReadOnlySpan<double> p)
    {
        double s = 0;
        foreach (var v in p)
        {
            s += v * v;
        }

        return 0.5 * s * (Normalize ? K : 1.0);
    }

    /// <inheritdoc />
    public double SupportBound(double anchorScore) => anchorScore - 1.0;

    /// <inheritdoc />
    public void Probe(ReadOnlySpan<float> scores, ReadOnlySpan<double> taus, Span<MassSummary> into) =>
        ThresholdProbe.Run<CappedTerm>(scores, 1.0, 0.0, taus, into);

    /// <inheritdoc />
    /// <remarks>μ_i = clip(θ_i − τ, 0, 1), divided by k when <see cref="Normalize"/> is set (then Σ = 1).</remarks>
    public double ThresholdOf(double theta) => theta;

    /// <inheritdoc />
    public double ScoreAt(double tau) => tau;

    /// <inheritdoc />
    public double Weight(double theta, double tau) => Math.Clamp(theta - tau, 0.0, 1.0) * (Normalize ? 1.0 / K : 1.0);

    /// <inheritdoc />
    /// <remarks>Bracket [θ_(m) − 1, θ_(m)], m = ⌈k⌉: the top m are saturated at the left end, at most m − 1 &lt; k are positive at the right.</remarks>
    public ThresholdSearch BeginSearch(double maxScore, double anchorScore, long n)
    {
        if (!double.IsFinite(anchorScore) || anchorScore > maxScore)
        {
            throw new ArgumentException($"anchorScore: must be finite and ≤ maxScore (got {anchorScore}).", nameof(anchorScore));
        }

        if (n < K)
        {
            throw new ArgumentException($"n: k = {K} needs at least k finite scores (got {n}).", nameof(n));
        }

        return new BracketSearch(_model, anchorScore - 1.0, anchorScore);
    }

    /// <summary>
    /// τ with Σ clip(v_i − τ, 0, 1) = k for v sorted descending: walk the breakpoints {v_i, v_i − 1}
    /// downward; between two of them the saturated and positive sets are fixed and the mass is linear.
    /// Exact for any real k: the mass is piecewise linear whatever the target.
    /// </summary>
    internal static double Solve(ReadOnlySpan<double> v, double k)
    {
        Debug.Assert(k > 0 && v.Length >= Math.Ceiling(k) && v[(int)Math.Ceiling(k) - 1] == 0.0);

        // v is shifted by θ_(m), m = ⌈k⌉, so τ ∈ [−1, 0]: entries with v ≥ 1 are saturated throughout and stay
        // out of the sums (no cancellation against huge scores), and M(0) ≤ #{v > 0} ≤ m − 1 < k starts the walk.
        var pos = 0;
        while (pos < v.Length && v[pos] >= 1.0)
        {
            pos++;
        }

        var sat = pos;
        double sumPos = 0, sumSat = 0;
        var upper = 0.0;
        while (true)
        {
            while (pos < v.Length && v[pos] >= upper)
            {
                sumPos += v[pos++];
            }

            while (sat < v.Length && v[sat] - 1.0 >= upper)
            {
                sumSat += v[sat++];
            }

            var lower = Math.Max(pos < v.Length ? v[pos] : double.NegativeInfinity, sat < v.Length ? v[sat] - 1.0 : double.NegativeInfinity);
            var free = pos - sat;
            if (free > 0)
            {
                var tau = (sat + (sumPos - sumSat) - k) / free;
                if (tau >= lower || double.IsNegativeInfinity(lower))
                {
                    return Math.Min(tau, upper);
                }
            }
            else if (sat >= k)
            {
                // Flat mass = k on this interval (reached only through rounding at its upper end).
                return upper;
            }

            upper = lower;
        }
    }

    private static bool IsFree(double mu) => mu > 0 && mu < 1.0 - 1e-12;
}
