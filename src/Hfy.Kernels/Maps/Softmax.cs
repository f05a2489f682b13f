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
    public double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        var max = ScoreVectors.MaxFinite(theta, out _);
        double z = 0;
        for (var i = 0; i < theta.Length; i++)
        {
            var e = Math.Exp(theta[i] - max);
            p[i] = e;
            z += e;
        }

        var inv = 1.0 / z;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] *= inv;
        }

        return double.NaN;
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
