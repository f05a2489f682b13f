using System.Globalization;

namespace Hfy.Kernels.Maps;

/// <summary>Creates and validates maps from <see cref="MapSpec"/>s.</summary>
public static class MapFactory
{
    /// <summary>
    /// The map for a spec. Sparse maps also implement <see cref="IThresholdMap"/>. Entmax with α = 1 is
    /// <see cref="Softmax"/> and with α = 2 <see cref="Sparsemax"/> (both keep the given spec).
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is out of range (message names the field).</exception>
    public static IMap Create(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var error = ValidateParameters(spec);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(spec));
        }

        return spec.Kind switch
        {
            MapKind.Softmax => new Softmax(spec),
            MapKind.Entmax when spec.Alpha == 1.0 => new Softmax(spec),
            MapKind.Entmax when spec.Alpha == 2.0 => new Sparsemax(spec),
            MapKind.Entmax => new Entmax(spec),
            MapKind.Sparsemax => new Sparsemax(spec),
            MapKind.Normmax => new Normmax(spec),
            MapKind.KSubsets => new KSubsets(spec),
            MapKind.SeqKSubsets => new SeqKSubsetsMap(spec),
            _ => throw new ArgumentException(Unknown(spec.Kind), nameof(spec)),
        };
    }

    /// <summary>
    /// Checks a spec for a bank of <paramref name="n"/> patterns.
    /// </summary>
    /// <returns>null when valid, else one line naming the field and the rule, e.g. "alpha: must be ≥ 1 (got 0.5)".</returns>
    public static string? Validate(MapSpec spec, long n)
    {
        if (spec is null)
        {
            return "map: a map spec is required";
        }

        if (n < 1)
        {
            return Line($"n: the bank must hold at least one pattern (got {n})");
        }

        var error = ValidateParameters(spec);
        if (error is not null)
        {
            return error;
        }

        if (spec.Kind is MapKind.KSubsets && spec.K > n)
        {
            return Line($"k: must be in (0, N], N = {n} (got {spec.K})");
        }

        if (spec.Kind is MapKind.SeqKSubsets && spec.K > n)
        {
            return Line($"k: must be between 1 and N = {n} (got {spec.K})");
        }

        return null;
    }

    private static string? ValidateParameters(MapSpec spec)
    {
        switch (spec.Kind)
        {
            case MapKind.Softmax:
            case MapKind.Sparsemax:
                return null;
            case MapKind.Entmax:
                return spec.Alpha >= 1.0 && double.IsFinite(spec.Alpha)
                    ? null
                    : Line($"alpha: must be a finite number ≥ 1 (got {spec.Alpha})");
            case MapKind.Normmax:
                return spec.Gamma > 1.0 && double.IsFinite(spec.Gamma)
                    ? null
                    : Line($"gamma: must be a finite number > 1 (got {spec.Gamma})");
            case MapKind.KSubsets:
                return spec.K > 0 && double.IsFinite(spec.K) ? null : Line($"k: must be a finite number > 0 (got {spec.K})");
            case MapKind.SeqKSubsets:
                if (!(spec.K >= 1) || spec.K != Math.Floor(spec.K) || spec.K > int.MaxValue)
                {
                    return Line($"k: must be a whole number ≥ 1 for seq-ksubsets (got {spec.K})");
                }

                return double.IsFinite(spec.W) ? null : Line($"w: must be a finite number (got {spec.W})");
            default:
                return Unknown(spec.Kind);
        }
    }

    private static string Unknown(MapKind kind) => Line($"map: unknown kind {(int)kind}");

    private static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
