namespace Hfy.Kernels.Maps;

/// <summary>
/// What a <see cref="BracketSearch"/> needs to know about a map's mass function M(τ) = Σ_i f(z_i − τ)
/// (non-increasing in τ): the target, its shape, and the closed form on an identified support.
/// </summary>
internal abstract class ThresholdModel
{
    /// <summary>The value M(τ*) must take: 1, or k for k-subsets.</summary>
    public abstract double Target { get; }

    /// <summary>True when M is convex on all of ℝ (f(d) = d_+^e with e ≥ 1): Newton steps are lower bounds, secants upper bounds.</summary>
    public abstract bool IsConvex { get; }

    /// <summary>True when M is concave between two probes with the same support (f = d^e, e &lt; 1).</summary>
    public abstract bool IsConcaveOnSupport { get; }

    /// <summary>True when <see cref="ClosedForm"/> is exact on an identified support.</summary>
    public abstract bool HasClosedForm { get; }

    /// <summary>
    /// τ solving M = Target under the assumption that the support sets at τ are those seen at probe
    /// <paramref name="x"/> (summary <paramref name="s"/>, sums of d = z − x); NaN when no such τ exists.
    /// </summary>
    public abstract double ClosedForm(double x, in MassSummary s);

    /// <summary>
    /// True when <see cref="ClosedForm"/> from this summary is accurate to the last bits. A closed form
    /// whose sums nearly cancel (the quadratic, far from τ* over many scores) only serves as an estimate.
    /// </summary>
    public virtual bool IsWellConditioned(in MassSummary s) => true;

    /// <summary>
    /// Newton step δ (τ_new = x + δ) from probe x toward M = Target; NaN without a usable slope.
    /// The default is plain Newton on M.
    /// </summary>
    public virtual double NewtonStep(in MassSummary s) => s.Slope < 0 ? (s.Mass - Target) / -s.Slope : double.NaN;

    /// <summary>True when no score lies between two probes: same count in support (and same saturated count).</summary>
    public static bool SameSupport(in MassSummary a, in MassSummary b) => a.Count == b.Count && a.Saturated == b.Saturated;
}

/// <summary>M(τ) = Σ [z_i − τ]_+^e = 1 (α-entmax with e = 1/(α−1), sparsemax e = 1, γ-normmax e = γ/(γ−1)).</summary>
internal sealed class PowerModel(double e) : ThresholdModel
{
    public double Exponent { get; } = e;

    public override double Target => 1.0;

    public override bool IsConvex => Exponent >= 1.0;

    public override bool IsConcaveOnSupport => Exponent < 1.0;

    public override bool HasClosedForm => Exponent is 1.0 or 2.0;

    /// <remarks>
    /// Newton on g = M^{1/e} − 1 rather than on M: g is exactly linear for one term and stays convex
    /// (concave) where M is (‖(z − τ)_+‖_e), so the step keeps its side of τ* while converging in a few
    /// steps even for e = 10 (α = 1.1), where plain Newton on M only gains a factor 1 − 1/e per step.
    /// </remarks>
    public override double NewtonStep(in MassSummary s) => Step(Exponent, s.Mass, -s.Slope);

    /// <summary>δ = e (M − M^{1−1/e}) / |M'| (Newton on M^{1/e} = 1); NaN without a usable slope.</summary>
    public static double Step(double e, double mass, double absSlope)
    {
        if (!(absSlope > 0) || !(mass > 0))
        {
            return double.NaN;
        }

        return e == 1.0 ? (mass - 1.0) / absSlope : e * (mass - Math.Pow(mass, 1.0 - (1.0 / e))) / absSlope;
    }

    /// <remarks>
    /// The quadratic's discriminant S² − c(Q − 1) cancels to ~1/c of its terms when the probe is far from τ*
    /// over many scores, so it is trusted only near τ* (mass within 1e-6) or over a small support.
    /// </remarks>
    public override bool IsWellConditioned(in MassSummary s) =>
        Exponent != 2.0 || s.Count <= 1000 || Math.Abs(s.Mass - 1.0) <= 1e-6;

    public override double ClosedForm(double x, in MassSummary s)
    {
        if (s.Count == 0)
        {
            return double.NaN;
        }

        if (Exponent == 1.0)
        {
            // Σ (d_i − δ) = 1 on the support of x.
            return x + ((s.Sum - 1.0) / s.Count);
        }

        if (Exponent == 2.0)
        {
            // Σ (d_i − δ)² = 1: cδ² − 2Sδ + (Q − 1) = 0, smaller root, in the cancellation-free form.
            var disc = (s.Sum * s.Sum) - (s.Count * (s.SumSq - 1.0));
            if (disc < 0)
            {
                return double.NaN;
            }

            var den = s.Sum + Math.Sqrt(disc);
            return den > 0 ? x + ((s.SumSq - 1.0) / den) : double.NaN;
        }

        return double.NaN;
    }
}

/// <summary>M(τ) = Σ clip(θ_i − τ, 0, 1) = k (k-subsets).</summary>
internal sealed class CappedModel(double k) : ThresholdModel
{
    public override double Target => k;

    public override bool IsConvex => false;

    public override bool IsConcaveOnSupport => false;

    public override bool HasClosedForm => true;

    public override double ClosedForm(double x, in MassSummary s)
    {
        // Saturated + Σ_free (d_i − δ) = k on the free set of x.
        var free = s.Count - s.Saturated;
        if (free == 0)
        {
            return s.Saturated == k ? x : double.NaN;
        }

        return x + ((s.Sum - (k - s.Saturated)) / free);
    }
}
