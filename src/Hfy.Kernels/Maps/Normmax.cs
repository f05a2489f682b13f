namespace Hfy.Kernels.Maps;

/// <summary>
/// γ-normmax, γ &gt; 1 (docs/math.md §2, norm entropy Ω(y) = ‖y‖_γ − 1): with u_i = [θ_i − τ]_+^{1/(γ−1)},
/// τ solves Σ [θ_i − τ]_+^{γ/(γ−1)} = 1 and p = u/Σu. γ = 2 uses the exact quadratic closed form; other γ
/// safeguarded Newton on the identified support. Support ⊆ {θ_i &gt; max θ − 1}; margin 1 for every γ.
/// </summary>
public sealed class Normmax : PowerThresholdMap
{
    /// <summary>γ-normmax with the given γ &gt; 1.</summary>
    public Normmax(double gamma)
        : this(MapSpec.Normmax(gamma))
    {
    }

    /// <summary>γ-normmax from a spec (uses <see cref="MapSpec.Gamma"/>, which must be &gt; 1 and finite).</summary>
    public Normmax(MapSpec spec)
        : base(CheckSpec(spec), 1.0, spec.Gamma / (spec.Gamma - 1.0), 1.0 / (spec.Gamma - 1.0))
    {
        Gamma = spec.Gamma;
    }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override bool WeightsNeedNormalizing => true;

    /// <inheritdoc />
    /// <remarks>
    /// a = p, b = p^{2−γ} on the support:
    /// dθ = [b⊙dp − a Σ(b⊙dp) − (aᵀdp)(b − (Σb) a)] · (Σ a^γ)^{(γ−1)/γ}/(γ−1).
    /// </remarks>
    public override void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        MapCalculus.CheckBackwardShapes(theta, p, dp, dtheta);
        double bdp = 0, adp = 0, sumB = 0, sumAg = 0;
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] > 0)
            {
                var b = Math.Pow(p[i], 2.0 - Gamma);
                bdp += b * dp[i];
                adp += p[i] * dp[i];
                sumB += b;
                sumAg += Math.Pow(p[i], Gamma);
            }
        }

        var factor = Math.Pow(sumAg, (Gamma - 1.0) / Gamma) / (Gamma - 1.0);
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] > 0)
            {
                var a = p[i];
                var b = Math.Pow(a, 2.0 - Gamma);
                dtheta[i] = ((b * dp[i]) - (a * bdp) - (adp * (b - (sumB * a)))) * factor;
            }
            else
            {
                dtheta[i] = 0.0;
            }
        }
    }

    /// <inheritdoc />
    public override double RegularizerTerm(double weight) => weight > 0 ? Math.Pow(weight, Gamma) : 0.0;

    /// <inheritdoc />
    /// <remarks>p = w / W: ‖p‖_γ = (Σ w^γ)^{1/γ} / W.</remarks>
    public override double RegularizerFromSums(double termSum, double weightSum) => (Math.Pow(termSum, 1.0 / Gamma) / weightSum) - 1.0;

    /// <inheritdoc />
    /// <remarks>Ω(p) = ‖p‖_γ − 1.</remarks>
    public override double Regularizer(ReadOnlySpan<double> p)
    {
        double s = 0;
        foreach (var v in p)
        {
            if (v > 0)
            {
                s += Math.Pow(v, Gamma);
            }
        }

        return Math.Pow(s, 1.0 / Gamma) - 1.0;
    }

    private static MapSpec CheckSpec(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.Gamma > 1.0) || !double.IsFinite(spec.Gamma))
        {
            throw new ArgumentException($"gamma: must be a finite number > 1 (got {spec.Gamma}).", nameof(spec));
        }

        return spec;
    }
}
