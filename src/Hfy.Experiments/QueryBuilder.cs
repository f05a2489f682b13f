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
