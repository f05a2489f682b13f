namespace Hfy.Kernels.Maps;

/// <summary>
/// A regularized argmax ŷ_Ω(θ) = ∇Ω*(θ) (docs/math.md §2): forward, backward (VJP) and the pieces of
/// the energy. Scores are float64; −∞ marks a masked pattern (weight 0), NaN and +∞ are rejected.
/// </summary>
public interface IMap
{
    /// <summary>The map and its parameters.</summary>
    MapSpec Spec { get; }

    /// <summary>Σ of the output: 1 for distributions, k for unscaled k-subsets marginals.</summary>
    double OutputMass { get; }

    /// <summary>Computes p = ŷ_Ω(θ) into <paramref name="p"/> (same length as θ).</summary>
    /// <returns>The threshold τ of the solution (NaN for maps without one, e.g. softmax).</returns>
    double Forward(ReadOnlySpan<double> theta, Span<double> p);

    /// <summary>Vector-Jacobian product: dθ = (∂p/∂θ)ᵀ dp, given p = Forward(θ).</summary>
    void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta);

    /// <summary>Ω(p), so that Ω*(θ) = θᵀp − Ω(p) at p = ŷ_Ω(θ) (used for the energy).</summary>
    double Regularizer(ReadOnlySpan<double> p);
}
