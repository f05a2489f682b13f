namespace Hfy.Kernels.Maps;

/// <summary>
/// Softmax (docs/math.md §2, Shannon entropy): p = exp(θ − max θ)/Σ exp(θ − max θ). Never sparse;
/// −∞ entries (masked) get weight 0. Forward returns NaN: softmax has no threshold.
/// </summary>
public sealed class Softmax : IMap
{
    /// <summary>Softmax.</summary>
    public Softmax()
        : this(MapSpec.Softmax)
    {
    }

    /// <summary>Softmax carrying the given spec (e.g. an entmax spec with α = 1).</summary>
    public Softmax(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
    }

    /// <inheritdoc />
    public MapSpec Spec { get; }

    /// <inheritdoc />
    public double OutputMass => 1.0;

    /// <inheritdoc />
    /// <remarks>
    /// Every p_i is within a few ulps (relative) of the exact-arithmetic softmax of the given doubles:
    /// θ_i − max is carried as an exact two-term sum d + δ (TwoSum) and e_i = e^d(1 + δ) by one fused
    /// multiply-add, so the shift loses nothing even when |θ_i − max| is large; Z = Σ e_i is accumulated with
    /// Neumaier compensation in index order (error independent of N); p_i = e_i / Z is one correctly rounded
    /// division. Budget: exp ≤ 1 ulp, e_i ≤ 1.5, Z ≤ 1.5 (each e_i's error enters Z weighted by e_i/Z), division
    /// 0.5 — within 4 ulps.
    /// </remarks>
    public double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        var max = ScoreVectors.MaxFinite(theta, out _);
        double sum = 0, compensation = 0;
        for (var i = 0; i < theta.Length; i++)
        {
            var e = ShiftedExp(theta[i], max);
            p[i] = e;

            // Neumaier: the rounding error of sum + e, recovered exactly and added at the end.
            var t = sum + e;
            compensation += sum >= e ? (sum - t) + e : (e - t) + sum;
            sum = t;
        }

        var z = sum + compensation;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] /= z;
        }

        return double.NaN;
    }

    /// <summary>e^{θ − max}, with θ − max taken exactly as d + δ (TwoSum): e^d + e^d·δ.</summary>
    internal static double ShiftedExp(double theta, double max)
    {
        var d = theta - max;
        if (!(d > -746.0))
        {
            // e^d underflows to 0 below −745.13 (also θ = −∞, a masked score).
            return 0.0;
        }

        var thetaPart = d + max;
        var maxPart = d - thetaPart;
        var delta = (theta - thetaPart) + (-max - maxPart);
        var e = Math.Exp(d);
        return Math.FusedMultiplyAdd(e, delta, e);
    }

    /// <inheritdoc />
    /// <remarks>dθ = p⊙(dp − pᵀdp).</remarks>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        MapCalculus.CheckBackwardShapes(theta, p, dp, dtheta);
        double pdp = 0;
        for (var i = 0; i < p.Length; i++)
        {
            pdp += p[i] * dp[i];
        }

        for (var i = 0; i < p.Length; i++)
        {
            dtheta[i] = p[i] * (dp[i] - pdp);
        }
    }

    /// <inheritdoc />
    /// <remarks>Ω(p) = Σ p_i log p_i (0 log 0 = 0), so Ω*(θ) = log Σ exp θ_i.</remarks>
    public double Regularizer(ReadOnlySpan<double> p)
    {
        double s = 0;
        foreach (var v in p)
        {
            if (v > 0)
            {
                s += v * Math.Log(v);
            }
        }

        return s;
    }
}
