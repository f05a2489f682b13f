using System.Buffers;

namespace Hfy.Kernels.Maps;

/// <summary>
/// The maps whose weights are powers of a shifted, scaled score (docs/math.md §2): with z = s·θ,
/// τ solves Σ_i [z_i − τ]_+^e = 1 and the weight is [z_i − τ]_+^w — α-entmax (s = α−1, e = w = 1/(α−1)),
/// sparsemax (s = e = w = 1) and γ-normmax (s = 1, e = γ/(γ−1), w = 1/(γ−1), then p = u/Σu).
/// Forward and the distributed search share the support bound, the mass terms and the closed forms.
/// </summary>
public abstract class PowerThresholdMap : IThresholdMap
{
    private readonly PowerModel _model;

    /// <summary>Creates the map with score scale s, mass exponent e and weight exponent w.</summary>
    private protected PowerThresholdMap(MapSpec spec, double scale, double massExponent, double weightExponent)
    {
        Spec = spec;
        Scale = scale;
        MassExponent = massExponent;
        WeightExponent = weightExponent;
        _model = new PowerModel(massExponent);
    }

    /// <inheritdoc />
    public MapSpec Spec { get; }

    /// <inheritdoc />
    public double OutputMass => 1.0;

    /// <summary>Score scale s: the threshold lives on z = s·θ (α − 1 for entmax, 1 otherwise).</summary>
    public double Scale { get; }

    /// <summary>Exponent e of the mass function Σ [z − τ]_+^e.</summary>
    public double MassExponent { get; }

    /// <summary>Exponent w of the weight [z − τ]_+^w.</summary>
    public double WeightExponent { get; }

    /// <inheritdoc />
    public abstract bool WeightsNeedNormalizing { get; }

    /// <inheritdoc />
    public int AnchorRank => 1;

    /// <inheritdoc />
    /// <remarks>
    /// Sorts only the candidates above the support bound: O(N) + O(s log s). Scores are shifted by their
    /// max first, so scores of ±1e30 give exact answers; −∞ entries get weight 0. The returned τ is in
    /// absolute map-scaled coordinates (the scale of <see cref="Weight"/>).
    /// </remarks>
    public virtual double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        var max = ScoreVectors.MaxFinite(theta, out _);
        var count = ScoreVectors.Candidates(theta, max, Scale, -1.0 / Scale, out var buffer);
        double tau;
        try
        {
            tau = SolveShifted(buffer.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }

        double sum = 0;
        for (var i = 0; i < theta.Length; i++)
        {
            var w = ShiftedWeight((Scale * (theta[i] - max)) - tau);
            p[i] = w;
            sum += w;
        }

        if (WeightsNeedNormalizing)
        {
            var inv = 1.0 / sum;
            for (var i = 0; i < p.Length; i++)
            {
                p[i] *= inv;
            }
        }

        return tau + (Scale * max);
    }

    /// <summary>
    /// Candidates above this count take the sort-free path when the mass is convex (e ≥ 1): Newton from
    /// the left end with compaction, O(s) per step, instead of an O(s log s) sort.
    /// </summary>
    internal const int SortFreeThreshold = 4096;

    /// <summary>τ (shifted coordinates) on the candidates z (max 0, all &gt; −1); reorders <paramref name="z"/>.</summary>
    internal double SolveShifted(Span<double> z, bool allowSortFree = true)
    {
        if (allowSortFree && z.Length > SortFreeThreshold && MassExponent >= 1.0)
        {
            return ConvexNewton.Solve(z, MassExponent);
        }

        ScoreVectors.SortDescending(z);
        return SortedThresholds.Solve(z, MassExponent);
    }

    /// <inheritdoc />
    public abstract void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta);

    /// <inheritdoc />
    public abstract double Regularizer(ReadOnlySpan<double> p);

    /// <inheritdoc />
    public abstract double RegularizerTerm(double weight);

    /// <inheritdoc />
    public abstract double RegularizerFromSums(double termSum, double weightSum);

    /// <inheritdoc />
    public double SupportBound(double anchorScore) => anchorScore - (1.0 / Scale);

    /// <inheritdoc />
    public void Probe(ReadOnlySpan<float> scores, ReadOnlySpan<double> taus, Span<MassSummary> into)
    {
        if (MassExponent == 1.0)
        {
            ThresholdProbe.Run<LinearTerm>(scores, Scale, MassExponent, taus, into);
        }
        else if (MassExponent == 2.0)
        {
            ThresholdProbe.Run<SquareTerm>(scores, Scale, MassExponent, taus, into);
        }
        else
        {
            ThresholdProbe.Run<PowerTerm>(scores, Scale, MassExponent, taus, into);
        }
    }

    /// <inheritdoc />
    public double ThresholdOf(double theta) => Scale * theta;

    /// <inheritdoc />
    public double ScoreAt(double tau) => tau / Scale;

    /// <inheritdoc />
    public double Weight(double theta, double tau) => ShiftedWeight((Scale * theta) - tau);

    /// <inheritdoc />
    /// <remarks>Bracket of docs/math.md §2 in z: [z_max − 1, z_max − (1/n)^{1/e}] (every entry ≤ 1/n of the mass at the top).</remarks>
    public ThresholdSearch BeginSearch(double maxScore, double anchorScore, long n)
    {
        if (!double.IsFinite(maxScore))
        {
            throw new ArgumentException($"maxScore: must be finite (got {maxScore}).", nameof(maxScore));
        }

        if (n < 1)
        {
            throw new ArgumentException($"n: must be ≥ 1 (got {n}).", nameof(n));
        }

        var zMax = Scale * maxScore;
        var lo = zMax - 1.0;
        var hi = n == 1 ? lo : Math.Max(lo, zMax - Math.Pow(n, -1.0 / MassExponent));
        return new BracketSearch(_model, lo, hi);
    }

    /// <summary>[d]_+^w.</summary>
    private protected double ShiftedWeight(double d)
    {
        if (!(d > 0))
        {
            return 0.0;
        }

        return WeightExponent == 1.0 ? d : Math.Pow(d, WeightExponent);
    }
}
