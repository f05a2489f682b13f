using System.Globalization;
using Hfy.Kernels.Maps;

namespace Hfy.Learning.Experiments;

/// <summary>
/// A map as a learning spec names it: one of <see cref="Names"/>, unset parameters defaulting to α = 1.5 (entmax),
/// γ = 2 (normmax), k = 5 (k-subsets, sequential k-subsets) and w = 1 (sequential k-subsets).
/// </summary>
public sealed record LearningMap : NamedMap
{
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
