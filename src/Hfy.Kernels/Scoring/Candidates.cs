using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// Finds the few scores that can carry weight: those strictly above a map's support bound
/// (architecture.md: "everything after scoring touches only candidates").
/// </summary>
public static class Candidates
{
    /// <summary>Appends to <paramref name="into"/> every index i with scores[i] &gt; bound, ascending.</summary>
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
    public static float KthLargest(ReadOnlySpan<float> scores, int k)
    {
        if (k < 1 || k > scores.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{scores.Length}");
        if (k == 1) return System.Numerics.Tensors.TensorPrimitives.Max(scores);
        var heap = new PriorityQueue<float, float>(k);
        foreach (var v in scores)
        {
            if (heap.Count < k) heap.Enqueue(v, v);
            else if (v > heap.Peek()) heap.EnqueueDequeue(v, v);
        }
        return heap.Peek();
    }
}
