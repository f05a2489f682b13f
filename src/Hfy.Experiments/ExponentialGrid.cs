using Hfy.Kernels.Maps;
using Hfy.Kernels.Theory;

namespace Hfy.Experiments;

/// <summary>
/// Expands an exponential spec into cells: (N, α) point × bank × β_net × map × φ₀. Cells of one (N, P, bank) are
/// contiguous so the runner builds each bank once; the order and keys depend only on the spec (a resumed run finds the
/// same cells). Points whose P exceeds <see cref="ExponentialSpec.MaxPatterns"/>, or with P &lt; 2, are left out.
/// </summary>
public static class ExponentialGrid
{
    /// <summary>The (N, P, α) points of a spec in expansion order (fixed N: every N × α; ramp: every α).</summary>
    public static IReadOnlyList<(int Dim, long Patterns, double Alpha)> Points(ExponentialSpec e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var points = new List<(int, long, double)>();
        if (e.Patterns is { } p)
        {
            foreach (var a in e.Alphas ?? [])
            {
                if (!(a > 0) || !double.IsFinite(a) || p < 2) continue;
                points.Add((ExponentialCapacity.RampDimension(p, a), p, a));
            }
        }
        else
        {
            foreach (var n in e.Dims ?? [])
            {
                foreach (var a in e.Alphas ?? [])
                {
                    if (n < 2 || !(a > 0) || !double.IsFinite(a) || a * n > 60) continue;
                    var count = (long)ExponentialCapacity.PatternCount(n, a);
                    if (count >= 2 && count <= e.MaxPatterns) points.Add((n, count, a));
                }
            }
        }
        return points.Where(x => x.Item2 <= e.MaxPatterns).ToArray();
    }

    /// <summary>The cells of a validated exponential spec.</summary>
    public static IReadOnlyList<ExponentialCell> Expand(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var e = spec.Exponential ?? throw new ArgumentException("spec has no exponential section", nameof(spec));
        var maps = (e.Maps ?? []).Select(CellMap.From).ToArray();
        var cells = new List<ExponentialCell>();
        foreach (var (dim, patterns, alpha) in Points(e))
        {
            for (var b = 0; b < e.Banks; b++)
            {
                foreach (var beta in e.BetaNets ?? [])
                {
                    foreach (var map in maps)
                    {
                        foreach (var start in e.Starts ?? [1.0])
                        {
                            var key = ExponentialCell.MakeKey(dim, patterns, alpha, beta, map.Label, start, b);
                            cells.Add(new ExponentialCell(key, cells.Count, dim, patterns, alpha, beta, map, start, b));
                        }
                    }
                }
            }
        }
        return cells;
    }

    /// <summary>Number of cells without materializing them.</summary>
    public static long Count(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var e = spec.Exponential;
        if (e is null) return 0;
        return (long)Points(e).Count * Math.Max(0, e.Banks) * (e.BetaNets?.Length ?? 0) * (e.Maps?.Length ?? 0) * (e.Starts?.Length ?? 0);
    }

    /// <summary>The one-hot margin m of a map (docs/math.md §17): 1/(α−1) for α-entmax, 1 for sparsemax and γ-normmax, null for softmax.</summary>
    public static double? Margin(CellMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Hfy?.Kind switch
        {
            MapKind.Sparsemax or MapKind.Normmax => 1.0,
            MapKind.Entmax => 1.0 / (map.Hfy.Alpha - 1),
            _ => null,
        };
    }
}
