using System.Diagnostics;

namespace Hfy.Kernels.Structured;

/// <summary>
/// The small KKT system of the QP on an active set of structures: [G 1; 1ᵀ 0] [x; ν] = [r; c], with
/// G_st = |s ∩ t| (the Gram matrix of the structures' unary indicators). Solved from scratch by Gaussian
/// elimination with partial pivoting; sizes are tens, so this costs nothing next to the oracle.
/// </summary>
internal static class DenseKkt
{
    /// <summary>|a ∩ b| for strictly ascending index arrays.</summary>
    public static int Overlap(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int i = 0, j = 0, count = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j]) { count++; i++; j++; }
            else if (a[i] < b[j]) i++;
            else j++;
        }
        return count;
    }

    /// <summary>Gram matrix G (n × n, row-major) of the structures.</summary>
    public static double[] Gram(IReadOnlyList<int[]> structures)
    {
        int n = structures.Count;
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            g[i * n + i] = structures[i].Length;
            for (int j = i + 1; j < n; j++)
            {
                double o = Overlap(structures[i], structures[j]);
                g[i * n + j] = o;
                g[j * n + i] = o;
            }
        }
        return g;
    }

    /// <summary>
    /// Solves [G 1; 1ᵀ 0] [x; ν] = [r; c] and returns x (length n) with ν in <paramref name="nu"/>.
    /// Returns false when the system is numerically singular (affinely dependent structures).
    /// </summary>
    public static bool TrySolve(ReadOnlySpan<double> gram, int n, ReadOnlySpan<double> r, double c, Span<double> x, out double nu)
    {
        Debug.Assert(gram.Length == n * n && r.Length == n && x.Length == n);
        int size = n + 1;
        var a = new double[size * (size + 1)];
        int stride = size + 1;
        double scale = 1;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i * stride + j] = gram[i * n + j];
            a[i * stride + n] = 1;
            a[i * stride + size] = r[i];
            scale = Math.Max(scale, gram[i * n + i]);
        }
        for (int j = 0; j < n; j++) a[n * stride + j] = 1;
        a[n * stride + n] = 0;
        a[n * stride + size] = c;

        for (int col = 0; col < size; col++)
        {
            int pivot = col;
            double best = Math.Abs(a[col * stride + col]);
            for (int row = col + 1; row < size; row++)
            {
                double v = Math.Abs(a[row * stride + col]);
                if (v > best) { best = v; pivot = row; }
            }
            if (best <= 1e-11 * scale)
            {
                nu = double.NaN;
                return false;
            }
            if (pivot != col)
            {
                for (int j = col; j <= size; j++)
                    (a[col * stride + j], a[pivot * stride + j]) = (a[pivot * stride + j], a[col * stride + j]);
            }
            double inv = 1 / a[col * stride + col];
            for (int row = col + 1; row < size; row++)
            {
                double f = a[row * stride + col] * inv;
                if (f == 0) continue;
                for (int j = col; j <= size; j++) a[row * stride + j] -= f * a[col * stride + j];
            }
        }
        var sol = new double[size];
        for (int row = size - 1; row >= 0; row--)
        {
            double s = a[row * stride + size];
            for (int j = row + 1; j < size; j++) s -= a[row * stride + j] * sol[j];
            sol[row] = s / a[row * stride + row];
        }
        sol.AsSpan(0, n).CopyTo(x);
        nu = sol[n];
        return true;
    }
}
