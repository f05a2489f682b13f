namespace Hfy.Kernels.Structured;

/// <summary>Order statistics without a full sort.</summary>
internal static class Selection
{
    /// <summary>
    /// The k-th largest value (1-based) of <paramref name="values"/>, which is reordered in place
    /// (expected O(n): the quickselect of <see cref="Scoring.Candidates.SelectDescending{T}"/>).
    /// </summary>
    public static double KthLargest(Span<double> values, int k)
    {
        if (k < 1 || k > values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be in 1..values.Length");
        return Scoring.Candidates.SelectDescending(values, k - 1);
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
