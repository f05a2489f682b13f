namespace Hfy.Experiments;

/// <summary>
/// The <c>exponential</c> spec section: P = round(e^{αN}) patterns in dimension N (fixed N), or N = round(ln P / α) at
/// fixed P (the N-ramp), swept over α, β_net, maps and start overlaps φ₀. The ensemble and its seed are the spec's
/// <c>bank.source</c> (sphere, gaussian, binary) and <c>bank.seed</c>; <c>queries</c>, <c>seed</c> and <c>tol</c> are the
/// spec's top-level fields. Notation as in docs/capacity.md: overlaps φ = ξ·x / N, scores θ_μ = β_net N φ_μ
/// (the engine's unit-norm rows use β = β_net N).
/// </summary>
public sealed record ExponentialSpec
{
    /// <summary>Loads α (P = e^{αN}).</summary>
    public double[]? Alphas { get; init; }

    /// <summary>Inverse temperatures per dimension β_net.</summary>
    public double[]? BetaNets { get; init; }

    /// <summary>Fixed dimensions N (give this or <see cref="Patterns"/>).</summary>
    public int[]? Dims { get; init; }

    /// <summary>The N-ramp: a fixed pattern count P, N = round(ln P / α) per α (give this or <see cref="Dims"/>).</summary>
    public long? Patterns { get; init; }

    /// <summary>softmax (LSE), sparsemax, entmax (α &gt; 1), normmax (γ &gt; 1); post-transformation: the sphere (ℓ2).</summary>
    public MapEntry[]? Maps { get; init; }

    /// <summary>Start overlaps φ₀ with the target: 1 = the stored pattern itself, φ₀ &lt; 1 = a uniform random direction at that overlap.</summary>
    public double[]? Starts { get; init; } = [1.0];

    /// <summary>Updates T (fewer when ‖x_{t+1} − x_t‖ ≤ tol).</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Independent banks (disorder samples) per cell; bank b is generated from (seed, N, P, b).</summary>
    public int Banks { get; init; } = 4;

    /// <summary>Success: final φ_target ≥ this and larger than every other overlap.</summary>
    public double Keep { get; init; } = 0.9;

    /// <summary>(N, α) points with P above this are left out of the grid (the machine's limit, not the theory's).</summary>
    public long MaxPatterns { get; init; } = 1_000_000;

    /// <summary>
    /// Softmax on procedural banks: rows with e^{θ−m} &lt; ε/P are left out of the sums (relative change &lt; ε; 0, the
    /// default, sums every row). At 10⁹ patterns and large β this skips the exponential of almost every row.
    /// </summary>
    public double SoftmaxTolerance { get; init; }
}
