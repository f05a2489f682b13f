using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hfy.Kernels.Maps;

/// <summary>One term of a threshold map's mass function, f(d) with d = z − τ &gt; 0.</summary>
internal interface IMassTerm
{
    /// <summary>Adds the term for d &gt; 0 to the accumulators of one τ.</summary>
    static abstract void Add(double d, double e, ref ProbeAccumulator acc);
}

/// <summary>Running sums of one τ during a probe (float64 throughout).</summary>
internal struct ProbeAccumulator
{
    public double Mass;
    public double Slope;
    public double Sum;
    public double SumSq;
    public long Count;
    public long Saturated;

    /// <summary>Adds a free entry d: its mass f(d) and the magnitude of its slope f'(d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddFree(double d, double mass, double slope)
    {
        Mass += mass;
        Slope -= slope;
        Count++;
        Sum += d;
        SumSq += d * d;
    }

    public readonly MassSummary ToSummary() => new(Mass, Slope, Count, Sum, SumSq, Saturated);
}

/// <summary>f(d) = d (sparsemax).</summary>
internal readonly struct LinearTerm : IMassTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(double d, double e, ref ProbeAccumulator acc) => acc.AddFree(d, d, 1.0);
}

/// <summary>f(d) = d² (1.5-entmax, 2-normmax).</summary>
internal readonly struct SquareTerm : IMassTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(double d, double e, ref ProbeAccumulator acc) => acc.AddFree(d, d * d, 2.0 * d);
}

/// <summary>f(d) = d^e (general α-entmax, γ-normmax).</summary>
internal readonly struct PowerTerm : IMassTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(double d, double e, ref ProbeAccumulator acc)
    {
        var pw = Math.Pow(d, e);
        acc.AddFree(d, pw, e * pw / d);
    }
}

/// <summary>f(d) = min(d, 1) (k-subsets, capped simplex); Sum/SumSq cover the free entries (0 &lt; d &lt; 1) only.</summary>
internal readonly struct CappedTerm : IMassTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(double d, double e, ref ProbeAccumulator acc)
    {
        if (d >= 1.0)
        {
            acc.Count++;
            acc.Mass += 1.0;
            acc.Saturated++;
        }
        else
        {
            acc.AddFree(d, d, 1.0);
        }
    }
}

/// <summary>
/// The partition side of a threshold search: one pass over float32 scores for a whole vector of τ.
/// Scores whose map-scaled value z = scale·θ is at or below the smallest τ carry no mass at any τ and are
/// skipped a SIMD block at a time; for the others only the τ below z are visited (taus sorted once).
/// </summary>
internal static class ThresholdProbe
{
    private const int StackTaus = 64;

    public static void Run<TTerm>(ReadOnlySpan<float> scores, double scale, double e, ReadOnlySpan<double> taus, Span<MassSummary> into)
        where TTerm : IMassTerm
    {
        if (into.Length != taus.Length)
        {
            throw new ArgumentException($"into: length {into.Length} must equal taus' length {taus.Length}.", nameof(into));
        }

        var m = taus.Length;
        if (m == 0)
        {
            return;
        }

        var order = m <= StackTaus ? stackalloc int[m] : new int[m];
        var sorted = m <= StackTaus ? stackalloc double[m] : new double[m];
        for (var j = 0; j < m; j++)
        {
            if (double.IsNaN(taus[j]))
            {
                throw new ArgumentException("taus: must not contain NaN.", nameof(taus));
            }

            order[j] = j;
            sorted[j] = taus[j];
        }

        sorted.Sort(order);
        var acc = new ProbeAccumulator[m];
        var tauMin = sorted[0];

        // θ ≤ cutoff ⇒ z = scale·θ ≤ τ_min (cutoff nudged down so float rounding never skips a live score).
        var cutoff = (float)(tauMin / scale);
        cutoff = float.IsFinite(cutoff) ? MathF.BitDecrement(cutoff) : cutoff;
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count)
        {
            var cut = new Vector<float>(cutoff);
            var w = Vector<float>.Count;
            for (; i <= scores.Length - w; i += w)
            {
                var block = new Vector<float>(scores.Slice(i, w));
                if (!Vector.GreaterThanAny(block, cut))
                {
                    continue;
                }

                for (var b = i; b < i + w; b++)
                {
                    Visit<TTerm>(scale * scores[b], e, sorted, acc);
                }
            }
        }

        for (; i < scores.Length; i++)
        {
            Visit<TTerm>(scale * scores[i], e, sorted, acc);
        }

        for (var j = 0; j < m; j++)
        {
            into[order[j]] += acc[j].ToSummary();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Visit<TTerm>(double z, double e, ReadOnlySpan<double> sortedTaus, ProbeAccumulator[] acc)
        where TTerm : IMassTerm
    {
        for (var j = 0; j < sortedTaus.Length; j++)
        {
            var d = z - sortedTaus[j];
            if (!(d > 0))
            {
                return;
            }

            TTerm.Add(d, e, ref acc[j]);
        }
    }
}
