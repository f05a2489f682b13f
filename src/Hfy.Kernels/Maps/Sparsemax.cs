namespace Hfy.Kernels.Maps;

/// <summary>
/// Sparsemax (α-entmax with α = 2, docs/math.md §2): p = [θ − τ]_+ with Σp = 1, by the exact sort-based
/// closed form on the candidates above max θ − 1. Margin 1.
/// </summary>
public sealed class Sparsemax : PowerThresholdMap
{
    /// <summary>Sparsemax.</summary>
    public Sparsemax()
        : this(MapSpec.Sparsemax)
    {
    }

    /// <summary>Sparsemax carrying the given spec (e.g. an entmax spec with α = 2).</summary>
    public Sparsemax(MapSpec spec)
        : base(spec ?? throw new ArgumentNullException(nameof(spec)), 1.0, 1.0, 1.0)
    {
    }

    /// <inheritdoc />
    public override bool WeightsNeedNormalizing => false;

    /// <inheritdoc />
    /// <remarks>dθ = dp − mean of dp over the support, on the support; 0 elsewhere.</remarks>
    public override void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta) =>
        MapCalculus.GatedBackward(p, dp, dtheta, 0.0);

    /// <inheritdoc />
    public override double RegularizerTerm(double weight) => weight * weight;

    /// <inheritdoc />
    public override double RegularizerFromSums(double termSum, double weightSum) => 0.5 * (termSum - 1.0);

    /// <inheritdoc />
    /// <remarks>Ω(p) = (‖p‖² − 1)/2.</remarks>
    public override double Regularizer(ReadOnlySpan<double> p)
    {
        double s = 0;
        foreach (var v in p)
        {
            s += v * v;
        }

        return 0.5 * (s - 1.0);
    }
}
