namespace Hfy.Kernels.Maps;

/// <summary>
/// α-entmax, α &gt; 1 (docs/math.md §2, Tsallis entropy): p_i = [(α−1)θ_i − τ]_+^{1/(α−1)}, Σp = 1.
/// α = 1.5 and α = 2 use exact sort-based closed forms; other α solve τ to machine precision by
/// safeguarded Newton on the identified support. For α − 1 ≤ 0.1 the forward pass works in score units,
/// p_i = exp(log1p((α−1)(θ_i − τ′))/(α−1)) (see DenseEntmax), which stays accurate as α → 1 and tends to
/// softmax continuously. Margin: one-hot exactly when the top gap ≥ 1/(α−1).
/// </summary>
public sealed class Entmax : PowerThresholdMap
{
    /// <summary>α-entmax with the given α &gt; 1.</summary>
    public Entmax(double alpha)
        : this(MapSpec.Entmax(alpha))
    {
    }

    /// <summary>α-entmax from a spec (uses <see cref="MapSpec.Alpha"/>, which must be &gt; 1 and finite).</summary>
    public Entmax(MapSpec spec)
        : base(CheckSpec(spec), spec.Alpha - 1.0, 1.0 / (spec.Alpha - 1.0), 1.0 / (spec.Alpha - 1.0))
    {
        Alpha = spec.Alpha;
    }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    /// <remarks>
    /// For α − 1 ≤ 0.1 the threshold is solved in score units (τ′ with p_i = [1 + (α−1)(θ_i − τ′)]_+^{1/(α−1)});
    /// the returned τ = (α−1)τ′ − 1 is the same threshold in map-scaled units, as for every other α.
    /// </remarks>
    public override double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        var s = Alpha - 1.0;
        if (s > DenseEntmax.Limit)
        {
            return base.Forward(theta, p);
        }

        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        var u = DenseEntmax.Forward(theta, p, s);
        var max = ScoreVectors.MaxFinite(theta, out _);
        return (s * (u + max)) - 1.0;
    }

    /// <inheritdoc />
    /// <remarks>
    /// True for α ∉ {1.5, 2}: Σ w = 1 holds only up to the last bits of τ there, and for α &gt; 2 the weights
    /// [z − τ]^{1/(α−1)} of entries right at the support boundary amplify an ulp of τ; like the published
    /// bisection solver (ensure_sum_one), the output is renormalized.
    /// </remarks>
    public override bool WeightsNeedNormalizing => MassExponent is not (1.0 or 2.0);

    /// <inheritdoc />
    /// <remarks>g = p^{2−α} on the support; dθ = g⊙dp − g (Σ g⊙dp)/Σ g.</remarks>
    public override void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta) =>
        MapCalculus.GatedBackward(p, dp, dtheta, 2.0 - Alpha);

    /// <inheritdoc />
    public override double RegularizerTerm(double weight) => weight > 0 ? Math.Pow(weight, Alpha) : 0.0;

    /// <inheritdoc />
    public override double RegularizerFromSums(double termSum, double weightSum) =>
        ((WeightsNeedNormalizing ? termSum / Math.Pow(weightSum, Alpha) : termSum) - 1.0) / (Alpha * (Alpha - 1.0));

    /// <inheritdoc />
    /// <remarks>
    /// Ω(p) = (Σ p_i^α − 1)/(α(α−1)), evaluated with Σp = 1 as Σ p_i·expm1((α−1) ln p_i)/(α(α−1)): no cancellation
    /// as α → 1, where it tends to the Shannon Σ p_i ln p_i.
    /// </remarks>
    public override double Regularizer(ReadOnlySpan<double> p)
    {
        var a = Alpha - 1.0;
        double s = 0;
        foreach (var v in p)
        {
            if (v > 0)
            {
                s += v * DenseEntmax.ExpM1(a * Math.Log(v));
            }
        }

        return s / (Alpha * a);
    }

    private static MapSpec CheckSpec(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.Alpha > 1.0) || !double.IsFinite(spec.Alpha))
        {
            throw new ArgumentException($"alpha: must be a finite number > 1 for the Entmax class (got {spec.Alpha}); α = 1 is softmax.", nameof(spec));
        }

        return spec;
    }
}
