namespace Hfy.Kernels.Structured;

/// <summary>Order statistics without a full sort.</summary>
internal static class Selection
{
    /// <summary>
    /// The k-th largest value (1-based) of <paramref name="values"/>, which is reordered in place
    /// (expected O(n): quickselect with median-of-three pivots).
    /// </summary>
    public static double KthLargest(Span<double> values, int k)
    {
        if (k < 1 || k > values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be in 1..values.Length");
        int target = k - 1; // index in descending order
        int lo = 0, hi = values.Length - 1;
        while (hi > lo)
        {
            int mid = lo + ((hi - lo) >> 1);
            // Median of three, descending.
            if (values[mid] > values[lo]) (values[mid], values[lo]) = (values[lo], values[mid]);
            if (values[hi] > values[lo]) (values[hi], values[lo]) = (values[lo], values[hi]);
            if (values[hi] > values[mid]) (values[hi], values[mid]) = (values[mid], values[hi]);
            double pivot = values[mid];
            int i = lo, j = hi;
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
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return values[target];
        }
        return values[target];
    }
}
