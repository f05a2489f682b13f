using System.Buffers;
using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>Shared checks and selections on score vectors θ used by every map's Forward.</summary>
internal static class ScoreVectors
{
    /// <summary>
    /// Max over the finite scores and their count. −∞ marks a masked pattern; NaN and +∞ are rejected.
    /// </summary>
    public static double MaxFinite(ReadOnlySpan<double> theta, out int finite)
    {
        if (theta.IsEmpty)
        {
            throw new ArgumentException("theta: must hold at least one score.", nameof(theta));
        }

        var max = double.NegativeInfinity;
        finite = 0;
        foreach (var t in theta)
        {
            if (double.IsNaN(t) || double.IsPositiveInfinity(t))
            {
                throw new ArgumentException($"theta: scores must be finite or −∞ (masked), got {t}.", nameof(theta));
            }

            if (t > double.NegativeInfinity)
            {
                finite++;
                if (t > max)
                {
                    max = t;
                }
            }
        }

        if (finite == 0)
        {
            throw new ArgumentException("theta: at least one score must be finite (all are masked).", nameof(theta));
        }

        return max;
    }

    /// <summary>Checks that an output span matches θ's length.</summary>
    public static void CheckSameLength(ReadOnlySpan<double> theta, int length, string name)
    {
        if (length != theta.Length)
        {
            throw new ArgumentException($"{name}: length {length} must equal theta's length {theta.Length}.", name);
        }
    }

    /// <summary>
    /// Gathers z_i = scale·(θ_i − max) for the scores with θ_i − max &gt; <paramref name="bound"/> (a support
    /// bound of docs/math.md §2 in shifted coordinates) into a rented buffer, in input order.
    /// </summary>
    /// <returns>Number of candidates; the caller returns <paramref name="buffer"/> to the shared pool.</returns>
    public static int Candidates(ReadOnlySpan<double> theta, double max, double scale, double bound, out double[] buffer)
    {
        var count = 0;
        foreach (var t in theta)
        {
            if (t - max > bound)
            {
                count++;
            }
        }

        buffer = ArrayPool<double>.Shared.Rent(count);
        var k = 0;
        foreach (var t in theta)
        {
            var v = t - max;
            if (v > bound)
            {
                buffer[k++] = scale * v;
            }
        }

        return count;
    }

    /// <summary>Sorts descending in place.</summary>
    public static void SortDescending(Span<double> values)
    {
        values.Sort();
        values.Reverse();
    }

    /// <summary>The k-th largest finite score (1-based), by quickselect on a rented copy: O(N) expected.</summary>
    public static double KthLargest(ReadOnlySpan<double> theta, int k)
    {
        var buffer = ArrayPool<double>.Shared.Rent(theta.Length);
        try
        {
            var n = 0;
            foreach (var t in theta)
            {
                if (t > double.NegativeInfinity)
                {
                    buffer[n++] = t;
                }
            }

            Debug.Assert(k >= 1 && k <= n);
            return Select(buffer.AsSpan(0, n), k - 1);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Element of descending rank <paramref name="rank"/> (0-based); reorders <paramref name="a"/>.</summary>
    private static double Select(Span<double> a, int rank)
    {
        int left = 0, right = a.Length - 1;
        while (right > left)
        {
            if (right - left < 16)
            {
                var part = a[left..(right + 1)];
                SortDescending(part);
                return a[rank];
            }

            // Median of three as pivot; three-way partition keeps ties (many equal scores) linear.
            var mid = left + ((right - left) >> 1);
            var pivot = Median(a[left], a[mid], a[right]);
            int lt = left, i = left, gt = right;
            while (i <= gt)
            {
                if (a[i] > pivot)
                {
                    (a[lt], a[i]) = (a[i], a[lt]);
                    lt++;
                    i++;
                }
                else if (a[i] < pivot)
                {
                    (a[i], a[gt]) = (a[gt], a[i]);
                    gt--;
                }
                else
                {
                    i++;
                }
            }

            if (rank < lt)
            {
                right = lt - 1;
            }
            else if (rank > gt)
            {
                left = gt + 1;
            }
            else
            {
                return pivot;
            }
        }

        return a[rank];
    }

    private static double Median(double a, double b, double c) =>
        Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
