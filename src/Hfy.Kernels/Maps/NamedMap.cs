using System.Text.Json.Serialization;

namespace Hfy.Kernels.Maps;

/// <summary>
/// A map as a spec file names it, <c>{"name": "entmax", "alpha": 1.5}</c>: its name and the parameters of the map
/// families that take one. Which names a spec accepts, and the defaults of unset parameters, are the deriving spec's.
/// These properties come first in a written spec (<see cref="JsonPropertyOrderAttribute"/>: JSON would otherwise put a
/// deriving record's own properties before the name).
/// </summary>
public abstract record NamedMap
{
    /// <summary>The map's name (softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets, …).</summary>
    [JsonPropertyOrder(-1)]
    public string? Name { get; init; }

    /// <summary>entmax α (≥ 1; 1 means softmax).</summary>
    [JsonPropertyOrder(-1)]
    public double? Alpha { get; init; }

    /// <summary>normmax γ (&gt; 1).</summary>
    [JsonPropertyOrder(-1)]
    public double? Gamma { get; init; }

    /// <summary>k of k-subsets (a real budget in (0, N]) and sequential k-subsets (a whole number ≥ 1).</summary>
    [JsonPropertyOrder(-1)]
    public double? K { get; init; }

    /// <summary>Sequential k-subsets adjacency (pair) bonus w.</summary>
    [JsonPropertyOrder(-1)]
    public double? W { get; init; }
}
