namespace Hfy.Kernels.Maps;

/// <summary>
/// A map as a spec file names it, <c>{"name": "entmax", "alpha": 1.5}</c>: its name and the parameters of the map
/// families that take one. Which names a spec accepts, and the defaults of unset parameters, are the deriving spec's.
/// </summary>
public abstract record NamedMap
{
    /// <summary>The map's name (softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets, …).</summary>
    public string? Name { get; init; }

    /// <summary>entmax α (≥ 1; 1 means softmax).</summary>
    public double? Alpha { get; init; }

    /// <summary>normmax γ (&gt; 1).</summary>
    public double? Gamma { get; init; }

    /// <summary>k of k-subsets (a real budget in (0, N]) and sequential k-subsets (a whole number ≥ 1).</summary>
    public double? K { get; init; }

    /// <summary>Sequential k-subsets adjacency (pair) bonus w.</summary>
    public double? W { get; init; }
}
