using System.Globalization;
using Hfy.Kernels.Maps;

namespace Hfy.Learning.Experiments;

/// <summary>A map as a learning spec names it: <c>{"name": "entmax", "alpha": 1.5}</c>.</summary>
public sealed record LearningMap
{
    /// <summary>softmax, entmax, sparsemax, normmax, ksubsets or seq-ksubsets.</summary>
    public string? Name { get; init; }

    /// <summary>entmax α (default 1.5).</summary>
    public double? Alpha { get; init; }

    /// <summary>normmax γ (default 2).</summary>
    public double? Gamma { get; init; }

    /// <summary>k-subsets / sequential k-subsets k (default 5).</summary>
    public double? K { get; init; }

    /// <summary>Sequential k-subsets adjacency bonus w (default 1).</summary>
    public double? W { get; init; }

    /// <summary>The names a spec may use.</summary>
    public static IReadOnlyList<string> Names { get; } = ["softmax", "entmax", "sparsemax", "normmax", "ksubsets", "seq-ksubsets"];

    /// <summary>The engine spec, or an error line naming <paramref name="path"/>.</summary>
    public MapSpec? ToSpec(string path, out string? error)
    {
        error = null;
        var name = Name?.Trim().ToLowerInvariant();
        var k = K ?? 5;
        if (name == "seq-ksubsets" && (k != Math.Floor(k) || k < 1))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{path}.k: must be a whole number ≥ 1 for seq-ksubsets (got {K})");
            return null;
        }

        var spec = name switch
        {
            "softmax" => MapSpec.Softmax,
            "entmax" => MapSpec.Entmax(Alpha ?? 1.5),
            "sparsemax" => MapSpec.Sparsemax,
            "normmax" => MapSpec.Normmax(Gamma ?? 2.0),
            "ksubsets" => MapSpec.KSubsets(k),
            "seq-ksubsets" => MapSpec.SeqKSubsets((int)k, W ?? 1.0),
            _ => null,
        };
        if (spec is null)
        {
            error = $"{path}.name: must be one of {string.Join(", ", Names)} (got '{Name}')";
            return null;
        }

        var problem = MapFactory.Validate(spec, int.MaxValue);
        if (problem is not null)
        {
            error = $"{path}.{problem}";
            return null;
        }

        return spec;
    }
}
