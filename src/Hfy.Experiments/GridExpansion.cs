using Hfy.Kernels.Dynamics;

namespace Hfy.Experiments;

/// <summary>Expands a validated spec into cells: N × repeat × map × β × post × noise.</summary>
/// <remarks>
/// Cells of one (N, repeat) pair are contiguous so that the runner builds each bank once; the order
/// and the keys depend only on the spec, so a resumed run finds the same cells. A map's <c>posts</c> replace
/// <c>grid.posts</c> for it, and <c>grid.postBetas</c> replaces <c>grid.betas</c> for a post, so only the
/// (map, post, β) triples the spec pairs become cells; β runs over <c>grid.betas</c> and then the β values that
/// only <c>postBetas</c> lists, each once.
/// </remarks>
public static class GridExpansion
{
    /// <summary>The cells of a spec (call <see cref="SpecValidator.Validate"/> first).</summary>
    public static IReadOnlyList<Cell> Expand(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var grid = spec.Grid ?? throw new ArgumentException("spec has no grid", nameof(spec));
        var maps = (grid.Maps ?? []).Select(m => (Map: CellMap.For(m, ExperimentNames.ParseKind(spec.Kind)), Posts: ParsePosts(m.Posts ?? grid.Posts ?? ["identity"], spec))).ToArray();
        var betas = AllBetas(grid);
        var noise = grid.Noise ?? [0.0];
        var repeats = QueryBuilder.Repeats(spec);
        var cells = new List<Cell>();
        foreach (var n in grid.Sizes ?? [])
        {
            for (var r = 0; r < repeats; r++)
            {
                foreach (var (map, posts) in maps)
                {
                    foreach (var beta in betas)
                    {
                        foreach (var post in posts)
                        {
                            if (!BetasFor(grid, post).Contains(beta)) continue;
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

    /// <summary>Number of cells without materializing them (unknown posts count as none).</summary>
    public static long Count(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (ExperimentNames.ParseKind(spec.Kind) == ExperimentKind.Exponential) return ExponentialGrid.Count(spec);
        if (ExperimentNames.ParseKind(spec.Kind) is { } kind && LearningKinds.IsLearning(kind)) return LearningKinds.Count(spec);
        var g = spec.Grid;
        if (g is null) return 0;
        long perBank = 0;
        foreach (var m in g.Maps ?? [])
        {
            foreach (var name in (m?.Posts ?? g.Posts ?? []).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (Cell.ParsePost(name) is { } post) perBank += BetasFor(g, post).Length;
            }
        }
        return (long)(g.Sizes?.Length ?? 0) * Math.Max(0, QueryBuilder.Repeats(spec)) * perBank * (g.Noise?.Length ?? 0);
    }

    /// <summary>The β values a post runs with: its <c>grid.postBetas</c> entry, else <c>grid.betas</c>.</summary>
    public static double[] BetasFor(GridSpec grid, PostTransform post)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.PostBetas is { } byPost)
        {
            foreach (var (name, list) in byPost)
            {
                if (Cell.ParsePost(name) == post) return list ?? [];
            }
        }
        return grid.Betas ?? [];
    }

    private static double[] AllBetas(GridSpec grid)
        => (grid.Betas ?? []).Concat((grid.PostBetas ?? []).SelectMany(kv => kv.Value ?? [])).Distinct().ToArray();

    private static PostTransform[] ParsePosts(string[] names, ExperimentSpec spec)
        => names.Select(p => Cell.ParsePost(p) ?? throw new ArgumentException($"unknown post '{p}'", nameof(spec))).ToArray();
}
