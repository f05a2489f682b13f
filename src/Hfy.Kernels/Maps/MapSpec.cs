namespace Hfy.Kernels.Maps;

/// <summary>The score-to-weight maps of docs/math.md §2.</summary>
public enum MapKind
{
    /// <summary>Shannon entropy: softmax.</summary>
    Softmax,
    /// <summary>Tsallis α-entmax (α &gt; 1; α = 1 is softmax, α = 2 is sparsemax).</summary>
    Entmax,
    /// <summary>Sparsemax (α-entmax with α = 2).</summary>
    Sparsemax,
    /// <summary>γ-normmax (γ &gt; 1).</summary>
    Normmax,
    /// <summary>k-subsets SparseMAP (capped simplex).</summary>
    KSubsets,
    /// <summary>Sequential k-subsets SparseMAP (pair bonus w between adjacent rows).</summary>
    SeqKSubsets,
}

/// <summary>
/// A map and its parameters, as named on the command line and in experiment specs.
/// </summary>
/// <param name="Kind">Which map.</param>
/// <param name="Alpha">α for entmax (α ≥ 1; 1 means softmax).</param>
/// <param name="Gamma">γ for normmax (γ &gt; 1).</param>
/// <param name="K">k for k-subsets, any real budget 0 &lt; k ≤ N (the capped simplex {0 ≤ μ ≤ 1, Σμ = k} is
/// defined for every such k); for sequential k-subsets a whole number 1 ≤ k ≤ N.</param>
/// <param name="Normalize">k-subsets: divide the marginals by k (mixture reading). Default: unscaled, Σμ = k.</param>
/// <param name="W">Sequential k-subsets: bonus per adjacent selected pair.</param>
/// <param name="Compat">Sequential k-subsets: reproduce the published code (both states regularized, 10 active-set iterations).</param>
public sealed record MapSpec(
    MapKind Kind,
    double Alpha = 1.5,
    double Gamma = 2.0,
    double K = 1,
    bool Normalize = false,
    double W = 0.0,
    bool Compat = false)
{
    /// <summary>Softmax.</summary>
    public static MapSpec Softmax { get; } = new(MapKind.Softmax);

    /// <summary>Sparsemax.</summary>
    public static MapSpec Sparsemax { get; } = new(MapKind.Sparsemax);

    /// <summary>α-entmax.</summary>
    public static MapSpec Entmax(double alpha) => new(MapKind.Entmax, Alpha: alpha);

    /// <summary>γ-normmax.</summary>
    public static MapSpec Normmax(double gamma) => new(MapKind.Normmax, Gamma: gamma);

    /// <summary>k-subsets.</summary>
    public static MapSpec KSubsets(double k, bool normalize = false) => new(MapKind.KSubsets, K: k, Normalize: normalize);

    /// <summary>Sequential k-subsets.</summary>
    public static MapSpec SeqKSubsets(int k, double w, bool compat = false) => new(MapKind.SeqKSubsets, K: k, W: w, Compat: compat);

    /// <summary>
    /// ⌈k⌉: the rank of the score that anchors the k-subsets support bound, and the fewest finite scores a
    /// k-subsets problem needs (equal to k for sequential k-subsets, whose k is whole).
    /// </summary>
    public int SubsetSize => K >= int.MaxValue ? int.MaxValue : (int)Math.Ceiling(K);

    /// <summary>A short stable label, e.g. <c>entmax-1.5</c>, <c>normmax-2</c>, <c>ksubsets-2</c>.</summary>
    public string Label => Kind switch
    {
        MapKind.Softmax => "softmax",
        MapKind.Entmax => FormattableString.Invariant($"entmax-{Alpha:G}"),
        MapKind.Sparsemax => "sparsemax",
        MapKind.Normmax => FormattableString.Invariant($"normmax-{Gamma:G}"),
        MapKind.KSubsets => FormattableString.Invariant($"ksubsets-{K:G}") + (Normalize ? "-norm" : ""),
        MapKind.SeqKSubsets => FormattableString.Invariant($"seq-ksubsets-{K:G}-w{W:G}") + (Compat ? "-compat" : ""),
        _ => Kind.ToString(),
    };
}
