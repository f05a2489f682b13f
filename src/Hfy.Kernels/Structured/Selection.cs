namespace Hfy.Kernels.Structured;

/// <summary>Order statistics without a full sort.</summary>
internal static class Selection
{
    /// <summary>
    /// The k-th largest value (1-based) of <paramref name="values"/>, which is reordered in place
    /// (expected O(n): the quickselect of <see cref="SelectDescending{T}"/>).
    /// </summary>
    public static double KthLargest(Span<double> values, int k)
    {
        if (k < 1 || k > values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be in 1..values.Length");
        return SelectDescending(values, k - 1);
    }

    /// <summary>
    /// The value at position <paramref name="index"/> (0 = the largest) of <paramref name="values"/> sorted descending,
    /// by selection (expected O(n), no sort); <paramref name="values"/> is permuted. NaN-free input assumed.
    /// </summary>
    internal static T SelectDescending<T>(Span<T> values, int index)
        where T : struct, System.Numerics.INumber<T>
    {
        if ((uint)index >= (uint)values.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in 0..{values.Length - 1}");
        var lo = 0;
        var hi = values.Length - 1;
        while (hi > lo)
        {
            // Median of three as the pivot; Hoare partition, larger values to the left.
            var mid = lo + ((hi - lo) >> 1);
            var (a, b, c) = (values[lo], values[mid], values[hi]);
            var pivot = a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (values[i] > pivot) i++;
                while (values[j] < pivot) j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (index <= j) hi = j;
            else if (index >= i) lo = i;
            else return values[index];
        }

        return values[index];
    }

    /// <summary>
    /// The k-th largest finite-or-−∞ value of <paramref name="values"/> in one read-only pass (a size-k min-heap;
    /// O(N) compares plus O(log k) per heap change), or null when fewer than k values are above −∞.
    /// </summary>
    public static double? KthLargestStreaming(ReadOnlySpan<double> values, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1");
        var heap = k <= 256 ? stackalloc double[k] : new double[k];
        int size = 0;
        foreach (double v in values)
        {
            if (double.IsNegativeInfinity(v)) continue;
            if (size < k)
            {
                // Sift up.
                int i = size++;
                heap[i] = v;
                while (i > 0)
                {
                    int parent = (i - 1) >> 1;
                    if (heap[parent] <= heap[i]) break;
                    (heap[parent], heap[i]) = (heap[i], heap[parent]);
                    i = parent;
                }
            }
            else if (v > heap[0])
            {
                heap[0] = v;
                int i = 0;
                while (true)
                {
                    int l = 2 * i + 1, r = l + 1, m = i;
                    if (l < k && heap[l] < heap[m]) m = l;
                    if (r < k && heap[r] < heap[m]) m = r;
                    if (m == i) break;
                    (heap[m], heap[i]) = (heap[i], heap[m]);
                    i = m;
                }
            }
        }
        return size < k ? null : heap[0];
    }
}
