namespace Hfy.Experiments;

/// <summary>Deterministic query construction: which patterns are queried, and their corruption (noise, clip, mask).</summary>
public static class QueryBuilder
{
    /// <summary>A 64-bit mix of the inputs (SplitMix64 finalizer), so seeds of different cells are unrelated.</summary>
    public static ulong Mix(params ulong[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var p in parts)
        {
            h ^= p + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }
        return h;
    }

    /// <summary>A seeded generator (System.Random with an int seed is the same sequence on every run and platform).</summary>
    public static Random Rng(ulong seed) => new(unchecked((int)(seed ^ (seed >> 32)) & int.MaxValue));

    /// <summary>True for banks read from a file (idx, npy, csv): images, for which the papers' protocol applies.</summary>
    public static bool IsFileBank(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Bank?.Source?.Trim().ToLowerInvariant() is "idx" or "npy" or "csv";
    }

    /// <summary>Repeats of a spec: <c>grid.repeats</c>, else 5 for file banks (the papers' 5 memory subsets), else 1.</summary>
    public static int Repeats(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Grid?.Repeats ?? (IsFileBank(spec) ? 5 : 1);
    }

    /// <summary>
    /// Queries of a cell with N stored patterns: <c>queries</c> capped at N, else every stored pattern for file banks
    /// (the published driver queries all of them), else min(100, N).
    /// </summary>
    public static int Queries(ExperimentSpec spec, long n)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var q = spec.Queries ?? (IsFileBank(spec) ? n : 100);
        return (int)Math.Min(q, n);
    }

    /// <summary>
    /// The file rows of memory subset <paramref name="repeat"/>: the first <paramref name="count"/> entries of a permutation
    /// of 0 … rows − 1 seeded by (seed, repeat). Subsets of one repeat are nested (N = 4 holds the N = 2 rows), as with the
    /// published driver's <c>torch.randperm(rows)[:N]</c> under <c>manual_seed(repeat)</c>; the permutation itself differs.
    /// </summary>
    public static long[] Subset(long rows, long count, ulong seed, int repeat)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > rows) throw new ArgumentOutOfRangeException(nameof(count), count, $"more rows than the {rows} the source holds");
        var rng = Rng(Mix(seed, (ulong)repeat, 0x5B5E7));
        // Partial Fisher–Yates: position j takes a uniform pick among the rows not yet placed.
        var swapped = new Dictionary<long, long>();
        var result = new long[count];
        for (long j = 0; j < count; j++)
        {
            var r = j + rng.NextInt64(rows - j);
            var atR = swapped.TryGetValue(r, out var v) ? v : r;
            var atJ = swapped.TryGetValue(j, out var w) ? w : j;
            result[j] = atR;
            swapped[r] = atJ;
        }
        return result;
    }

    /// <summary>min(count, n) distinct indices in [0, n), ascending (Floyd's sampling, so n may be huge).</summary>
    public static long[] Sample(long n, int count, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var m = (int)Math.Min(count, n);
        var chosen = new HashSet<long>(m);
        for (var j = n - m; j < n; j++)
        {
            var t = rng.NextInt64(j + 1);
            if (!chosen.Add(t)) chosen.Add(j);
        }
        var result = chosen.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>
    /// Corrupts queries in place (docs/math.md §5): q ← x + σ ξ with ξ ~ N(0, I), then clipped to [lo, hi] if given,
    /// then the trailing ⌊mask·D⌋ coordinates set to 0 (for a row-major image: its bottom rows).
    /// </summary>
    public static void Corrupt(Span<float> queries, int dim, double sigma, double[]? clip, double mask, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        var masked = (int)Math.Floor(mask * dim);
        for (var start = 0; start + dim <= queries.Length; start += dim)
        {
            var q = queries.Slice(start, dim);
            for (var i = 0; i < dim; i++)
            {
                double v = q[i];
                if (sigma > 0) v += sigma * Gaussian(rng);
                if (clip is { Length: 2 }) v = Math.Clamp(v, clip[0], clip[1]);
                q[i] = (float)v;
            }
            q[(dim - masked)..].Clear();
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box–Muller; 1 − U keeps the logarithm finite.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
