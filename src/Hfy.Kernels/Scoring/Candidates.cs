using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// Finds the few scores that can carry weight: those strictly above a map's support bound
/// (docs/architecture.md: "everything after scoring touches only candidates").
/// </summary>
public static class Candidates
{
    /// <summary>Appends to <paramref name="into"/> every index i with scores[i] &gt; bound, ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Above(ReadOnlySpan<float> scores, float bound, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        fixed (float* s = scores)
        {
            var n = scores.Length;
            var i = 0;
            var bv = Vector256.Create(bound);
            for (; i + 8 <= n; i += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.Load(s + i), bv).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    into.Add(i + bit);
                    mask &= mask - 1;
                }
            }
            for (; i < n; i++)
            {
                if (s[i] > bound) into.Add(i);
            }
        }
    }

    /// <summary>Appends to <paramref name="into"/> every index i with scores[i] &gt; bound, ascending.</summary>
    public static void Above(ReadOnlySpan<double> scores, double bound, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > bound) into.Add(i);
        }
    }

    /// <summary>The k-th largest value (k = 1: the max) of <paramref name="scores"/>; NaN-free input assumed.</summary>
    public static double KthLargest(ReadOnlySpan<double> scores, int k)
    {
        if (k < 1 || k > scores.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{scores.Length}");
        if (k == 1) return System.Numerics.Tensors.TensorPrimitives.Max(scores);
        // Min-heap of the k largest seen so far; O(N log k), one pass.
        var heap = new PriorityQueue<double, double>(k);
        foreach (var v in scores)
        {
            if (heap.Count < k) heap.Enqueue(v, v);
            else if (v > heap.Peek()) heap.EnqueueDequeue(v, v);
        }
        return heap.Peek();
    }

    /// <summary>The k-th largest value (k = 1: the max) of <paramref name="scores"/>; NaN-free input assumed.</summary>
    /// <remarks>One pass: a min-heap of the k largest so far, and a SIMD pre-filter that skips every block of 8
    /// scores none of which beats the heap's minimum (after warm-up, almost all of them).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float KthLargest(ReadOnlySpan<float> scores, int k)
    {
        if (k < 1 || k > scores.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{scores.Length}");
        if (k == 1) return System.Numerics.Tensors.TensorPrimitives.Max(scores);
        var heap = new PriorityQueue<float, float>(k);
        var n = scores.Length;
        var i = 0;
        for (; i < n && heap.Count < k; i++) heap.Enqueue(scores[i], scores[i]);
        var min = heap.Peek();
        fixed (float* s = scores)
        {
            for (; i + 8 <= n; i += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.Load(s + i), Vector256.Create(min)).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var v = s[i + System.Numerics.BitOperations.TrailingZeroCount(mask)];
                    mask &= mask - 1;
                    if (v > min)
                    {
                        heap.EnqueueDequeue(v, v);
                        min = heap.Peek();
                    }
                }
            }
            for (; i < n; i++)
            {
                if (s[i] > min)
                {
                    heap.EnqueueDequeue(s[i], s[i]);
                    min = heap.Peek();
                }
            }
        }
        return min;
    }

    /// <summary>The largest finite score (−∞ when none) and the number of finite scores, a SIMD block at a time.</summary>
    public static (double Max, long Finite) MaxFinite(ReadOnlySpan<float> scores)
    {
        float max = float.NegativeInfinity;
        long finite = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count)
        {
            var w = Vector<float>.Count;
            var vmax = new Vector<float>(float.NegativeInfinity);
            for (; i <= scores.Length - w; i += w)
            {
                var v = new Vector<float>(scores.Slice(i, w));
                // x − x is 0 exactly for finite x (NaN for ±∞ and NaN).
                if (Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    vmax = Vector.Max(vmax, v);
                    finite += w;
                    continue;
                }

                for (var b = i; b < i + w; b++) Visit(scores[b], ref max, ref finite);
            }

            for (var j = 0; j < w; j++) max = Math.Max(max, vmax[j]);
        }

        for (; i < scores.Length; i++) Visit(scores[i], ref max, ref finite);
        return (finite > 0 ? max : double.NegativeInfinity, finite);

        static void Visit(float s, ref float max, ref long finite)
        {
            if (!float.IsFinite(s)) return;
            finite++;
            if (s > max) max = s;
        }
    }

    /// <summary>
    /// Indices of the finite scores above <paramref name="bound"/> (or at it when inclusive), highest first (ties by
    /// ascending index), at most <paramref name="cap"/>; <paramref name="complete"/> says whether none was left out.
    /// A bounded min-heap keeps the selection O(n + c log c · log n) when the list is cut, instead of sorting every
    /// score above the bound; blocks with no score above the bound are skipped by SIMD.
    /// </summary>
    public static int[] TopAbove(ReadOnlySpan<float> scores, double bound, bool inclusive, int cap, out bool complete)
    {
        if (cap < 1) throw new ArgumentOutOfRangeException(nameof(cap), cap, "cap must be ≥ 1");
        var heap = new PriorityQueue<int, float>(Math.Min(cap, Math.Max(1, scores.Length / 16)) + 1);
        var above = 0;

        // Blocks with no score above the float just at or below the bound hold no candidate.
        var cut = (float)bound;
        if (cut > bound || (inclusive && cut == bound)) cut = MathF.BitDecrement(cut);
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count && !float.IsNaN(cut))
        {
            var w = Vector<float>.Count;
            var vcut = new Vector<float>(cut);
            for (; i <= scores.Length - w; i += w)
            {
                if (!Vector.GreaterThanAny(new Vector<float>(scores.Slice(i, w)), vcut)) continue;
                for (var b = i; b < i + w; b++) Offer(scores, b);
            }
        }

        for (; i < scores.Length; i++) Offer(scores, i);

        complete = above <= cap;
        // Highest first; equal scores by ascending row (the heap's order among ties is arbitrary).
        var order = new (float NegScore, int Index)[heap.Count];
        for (var t = 0; t < order.Length; t++)
        {
            var row = heap.Dequeue();
            order[t] = (-scores[row], row);
        }

        Array.Sort(order);
        var keep = new int[order.Length];
        for (var t = 0; t < keep.Length; t++) keep[t] = order[t].Index;
        return keep;

        void Offer(ReadOnlySpan<float> all, int i)
        {
            float s = all[i];
            if (!float.IsFinite(s) || !(s > bound || (inclusive && s == bound))) return;
            above++;
            if (heap.Count < cap) heap.Enqueue(i, s);
            else if (heap.TryPeek(out _, out var lowest) && s > lowest) heap.EnqueueDequeue(i, s);
        }
    }

    /// <summary>The <paramref name="k"/> largest finite scores, descending (fewer when there are fewer).</summary>
    public static double[] TopScores(ReadOnlySpan<float> scores, int k) => TopScoresOf(scores, k);

    /// <summary>The <paramref name="k"/> largest finite scores, descending (fewer when there are fewer).</summary>
    public static double[] TopScores(ReadOnlySpan<double> scores, int k) => TopScoresOf(scores, k);

    private static double[] TopScoresOf<T>(ReadOnlySpan<T> scores, int k)
        where T : struct, IFloatingPointIeee754<T>
    {
        Debug.Assert(k >= 1);
        var heap = new PriorityQueue<T, T>(k + 1);
        foreach (var s in scores)
        {
            if (!T.IsFinite(s)) continue;
            if (heap.Count < k) heap.Enqueue(s, s);
            else if (s > heap.Peek()) heap.EnqueueDequeue(s, s);
        }

        var top = new double[heap.Count];
        for (var i = top.Length - 1; i >= 0; i--) top[i] = double.CreateChecked(heap.Dequeue());
        return top;
    }
}
