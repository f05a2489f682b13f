namespace Hfy.Experiments;

/// <summary>Expands a validated spec into cells: N × repeat × map × β × post × noise.</summary>
/// <remarks>
/// Cells of one (N, repeat) pair are contiguous so that the runner builds each bank once; the order
/// and the keys depend only on the spec, so a resumed run finds the same cells.
/// </remarks>
public static class GridExpansion
{
    /// <summary>The cells of a spec (call <see cref="SpecValidator.Validate"/> first).</summary>
    public static IReadOnlyList<Cell> Expand(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var grid = spec.Grid ?? throw new ArgumentException("spec has no grid", nameof(spec));
        var maps = (grid.Maps ?? []).Select(m => CellMap.For(m, ExperimentNames.ParseKind(spec.Kind))).ToArray();
        var posts = (grid.Posts ?? ["identity"]).Select(p => Cell.ParsePost(p)
            ?? throw new ArgumentException($"unknown post '{p}'", nameof(spec))).ToArray();
        var noise = grid.Noise ?? [0.0];
        var cells = new List<Cell>();
        foreach (var n in grid.Sizes ?? [])
        {
            for (var r = 0; r < grid.Repeats; r++)
            {
                foreach (var map in maps)
                {
                    foreach (var beta in grid.Betas ?? [])
                    {
                        foreach (var post in posts)
                        {
                            foreach (var sigma in noise)
                            {
                                var key = Cell.MakeKey(n, map.Label, beta, post, sigma, r);
                                cells.Add(new Cell(key, cells.Count, n, map, beta, post, sigma, r));
                            }
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
        if (ExperimentNames.ParseKind(spec.Kind) == ExperimentKind.Exponential) return Exponential.ExponentialGrid.Count(spec);
        var g = spec.Grid;
        if (g is null) return 0;
        return (long)(g.Sizes?.Length ?? 0) * Math.Max(0, g.Repeats) * (g.Maps?.Length ?? 0) * (g.Betas?.Length ?? 0)
            * (g.Posts?.Length ?? 0) * (g.Noise?.Length ?? 0);
    }
}
