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
}
