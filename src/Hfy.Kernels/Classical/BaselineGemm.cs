using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Scoring;

namespace Hfy.Kernels.Classical;

/// <summary>
/// The two float64 matrix products of a batch of continuous-baseline steps (docs/math.md §3): the overlaps
/// S = Q Xᵀ (every query × every row) and the readouts Z = W X (every query's weights over the rows), register-blocked
/// and cache-blocked over a float64 copy of the rows.
/// </summary>
/// <remarks>
/// <para>Bit-for-bit the same numbers as one query and one row at a time: every overlap accumulates in the order of
/// <see cref="Scorer.DotF64"/> (lanes k mod 8 in one 8-wide fused multiply-add chain over k, the two halves added and
/// summed by <see cref="Vector256.Sum{T}(Vector256{T})"/>, then the scalar tail k ≥ 8⌊D/8⌋), and every readout entry
/// z_b[k] adds w_{b,i} x_i[k] in row order i = 0 … N−1 as <see cref="Readout.AddScaled"/> does (fused below 8⌊D/8⌋,
/// unfused in the tail). Only the loop nesting differs, which moves no rounding. The float64 rows are the float32 rows
/// widened, which is exact.</para>
/// <para>With <see cref="Vector512"/> hardware the tiles are 4 rows × 4 queries (overlaps) and 4 queries × 32 columns
/// (readouts); otherwise, and at the edges, the same sums run one pair at a time.</para>
/// <para>NaN and ±∞ propagate as in the one-at-a-time sums; nothing is checked in the loops.</para>
/// </remarks>
public static class BaselineGemm
{
    /// <summary>Rows per cache panel: 64 rows of D = 784 float64 are 400 KB, which stays in L2 while every query tile passes over them.</summary>
    private const int Panel = 64;

    /// <summary>The float32 rows widened to float64 (exact).</summary>
    public static double[] Widen(ReadOnlySpan<float> rows)
    {
        var wide = GC.AllocateUninitializedArray<double>(rows.Length);
        for (var i = 0; i < rows.Length; i++) wide[i] = rows[i];
        return wide;
    }

    /// <summary>
    /// s[b·N + i] = x_iᵀ q_b for every query b &lt; <paramref name="count"/> and row i &lt; N (float64, the summation
    /// order of <see cref="Scorer.DotF64"/>).
    /// </summary>
    /// <param name="rows">X, N × D row-major (float64).</param>
    /// <param name="dim">D ≥ 1.</param>
    /// <param name="queries">Q, count × D row-major.</param>
    /// <param name="count">Number of queries.</param>
    /// <param name="overlaps">Receives count × N overlaps.</param>
    public static unsafe void Overlaps(ReadOnlySpan<double> rows, int dim, ReadOnlySpan<double> queries, int count, Span<double> overlaps)
    {
        var n = CheckShapes(rows.Length, dim, queries.Length, count);
        if ((long)count * n != overlaps.Length) throw new ArgumentException($"overlaps has length {overlaps.Length}, expected count × N = {(long)count * n}", nameof(overlaps));
        fixed (double* x = rows)
        fixed (double* q = queries)
        fixed (double* s = overlaps)
        {
            OverlapsCore(x, n, dim, q, count, s);
        }
    }

    /// <summary>
    /// z_b = Σ_i w[b·N + i] x_i for every query b &lt; <paramref name="count"/> (float64, rows added in order i = 0 … N−1
    /// as <see cref="Readout.AddScaled"/> adds them; a zero weight adds +0, which changes no finite sum).
    /// </summary>
    /// <param name="rows">X, N × D row-major (float64).</param>
    /// <param name="dim">D ≥ 1.</param>
    /// <param name="weights">W, count × N.</param>
    /// <param name="count">Number of queries.</param>
    /// <param name="readouts">Receives count × D readouts (overwritten).</param>
    public static unsafe void Readouts(ReadOnlySpan<double> rows, int dim, ReadOnlySpan<double> weights, int count, Span<double> readouts)
    {
        var n = CheckShapes(rows.Length, dim, readouts.Length, count);
        if ((long)count * n != weights.Length) throw new ArgumentException($"weights has length {weights.Length}, expected count × N = {(long)count * n}", nameof(weights));
        fixed (double* x = rows)
        fixed (double* w = weights)
        fixed (double* z = readouts)
        {
            ReadoutsCore(x, n, dim, w, count, z);
        }
    }

    private static int CheckShapes(int rowsLength, int dim, int perQueryLength, int count)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (rowsLength % dim != 0) throw new ArgumentException($"rows length {rowsLength} is not a multiple of dim {dim}", "rows");
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        if ((long)count * dim != perQueryLength) throw new ArgumentException($"expected count × D = {(long)count * dim} values per query block, got {perQueryLength}", "queries");
        return rowsLength / dim;
    }

    internal static unsafe void OverlapsCore(double* x, int n, int dim, double* q, int count, double* s)
    {
        var d8 = dim & ~7;
        var tiled = Vector512.IsHardwareAccelerated ? count & ~3 : 0;
        for (var i0 = 0; i0 < n; i0 += Panel)
        {
            var i1 = Math.Min(n, i0 + Panel);
            var r1 = Vector512.IsHardwareAccelerated ? i0 + ((i1 - i0) & ~3) : i0;
            for (var b = 0; b < tiled; b += 4)
            {
                for (var i = i0; i < r1; i += 4) Tile4x4(x + (long)i * dim, q + (long)b * dim, dim, d8, s + (long)b * n + i, n);
                for (var i = r1; i < i1; i++)
                {
                    for (var c = b; c < b + 4; c++) s[(long)c * n + i] = Dot(x + (long)i * dim, q + (long)c * dim, dim);
                }
            }
            for (var c = tiled; c < count; c++)
            {
                for (var i = i0; i < i1; i++) s[(long)c * n + i] = Dot(x + (long)i * dim, q + (long)c * dim, dim);
            }
        }
    }

    internal static unsafe void ReadoutsCore(double* x, int n, int dim, double* w, int count, double* z)
    {
        new Span<double>(z, checked(count * dim)).Clear();
        var d8 = dim & ~7;
        var d32 = dim & ~31;
        var tiled = Vector512.IsHardwareAccelerated ? count & ~3 : 0;
        for (var i0 = 0; i0 < n; i0 += Panel)
        {
            var i1 = Math.Min(n, i0 + Panel);
            for (var b = 0; b < tiled; b += 4)
            {
                var zb = z + (long)b * dim;
                var wb = w + (long)b * n;
                var k = 0;
                for (; k < d32; k += 32) Tile4x32(x, dim, n, i0, i1, wb, zb, k);
                for (; k < d8; k += 8) Tile4x8(x, dim, n, i0, i1, wb, zb, k);
                for (var c = 0; c < 4; c++) AddTail(x, dim, n, i0, i1, wb + (long)c * n, zb + (long)c * dim, d8);
            }
            for (var c = tiled; c < count; c++)
            {
                var wc = w + (long)c * n;
                var zc = z + (long)c * dim;
                for (var i = i0; i < i1; i++) AddScaledRow(x + (long)i * dim, wc[i], zc, dim);
            }
        }
    }

    /// <summary>One overlap in the order of <see cref="Scorer.DotF64"/> (two 4-lane chains = one 8-lane chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe double Dot(double* a, double* b, int dim)
    {
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        var k = 0;
        for (; k + 8 <= dim; k += 8)
        {
            acc0 = Vector256.MultiplyAddEstimate(Vector256.Load(a + k), Vector256.Load(b + k), acc0);
            acc1 = Vector256.MultiplyAddEstimate(Vector256.Load(a + k + 4), Vector256.Load(b + k + 4), acc1);
        }
        var sum = Vector256.Sum(acc0 + acc1);
        for (; k < dim; k++) sum += a[k] * b[k];
        return sum;
    }

    /// <summary>The end of an 8-lane chain: halves added and summed as <see cref="Scorer.DotF64"/> does, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double Close(Vector512<double> acc, double* a, double* b, int d8, int dim)
    {
        var sum = Vector256.Sum(acc.GetLower() + acc.GetUpper());
        for (var k = d8; k < dim; k++) sum += a[k] * b[k];
        return sum;
    }

    /// <summary>Overlaps of rows x … x + 3·D with queries q … q + 3·D into s[c·ldS + r].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile4x4(double* x0, double* q0, int dim, int d8, double* s, int ldS)
    {
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var q1 = q0 + dim;
        var q2 = q1 + dim;
        var q3 = q2 + dim;
        Vector512<double> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<double> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<double> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<double> a30 = default, a31 = default, a32 = default, a33 = default;
        for (var k = 0; k < d8; k += 8)
        {
            var v0 = Vector512.Load(x0 + k);
            var v1 = Vector512.Load(x1 + k);
            var v2 = Vector512.Load(x2 + k);
            var v3 = Vector512.Load(x3 + k);
            var u = Vector512.Load(q0 + k);
            a00 = Vector512.MultiplyAddEstimate(v0, u, a00);
            a10 = Vector512.MultiplyAddEstimate(v1, u, a10);
            a20 = Vector512.MultiplyAddEstimate(v2, u, a20);
            a30 = Vector512.MultiplyAddEstimate(v3, u, a30);
            u = Vector512.Load(q1 + k);
            a01 = Vector512.MultiplyAddEstimate(v0, u, a01);
            a11 = Vector512.MultiplyAddEstimate(v1, u, a11);
            a21 = Vector512.MultiplyAddEstimate(v2, u, a21);
            a31 = Vector512.MultiplyAddEstimate(v3, u, a31);
            u = Vector512.Load(q2 + k);
            a02 = Vector512.MultiplyAddEstimate(v0, u, a02);
            a12 = Vector512.MultiplyAddEstimate(v1, u, a12);
            a22 = Vector512.MultiplyAddEstimate(v2, u, a22);
            a32 = Vector512.MultiplyAddEstimate(v3, u, a32);
            u = Vector512.Load(q3 + k);
            a03 = Vector512.MultiplyAddEstimate(v0, u, a03);
            a13 = Vector512.MultiplyAddEstimate(v1, u, a13);
            a23 = Vector512.MultiplyAddEstimate(v2, u, a23);
            a33 = Vector512.MultiplyAddEstimate(v3, u, a33);
        }
        s[0] = Close(a00, x0, q0, d8, dim);
        s[1] = Close(a10, x1, q0, d8, dim);
        s[2] = Close(a20, x2, q0, d8, dim);
        s[3] = Close(a30, x3, q0, d8, dim);
        s += ldS;
        s[0] = Close(a01, x0, q1, d8, dim);
        s[1] = Close(a11, x1, q1, d8, dim);
        s[2] = Close(a21, x2, q1, d8, dim);
        s[3] = Close(a31, x3, q1, d8, dim);
        s += ldS;
        s[0] = Close(a02, x0, q2, d8, dim);
        s[1] = Close(a12, x1, q2, d8, dim);
        s[2] = Close(a22, x2, q2, d8, dim);
        s[3] = Close(a32, x3, q2, d8, dim);
        s += ldS;
        s[0] = Close(a03, x0, q3, d8, dim);
        s[1] = Close(a13, x1, q3, d8, dim);
        s[2] = Close(a23, x2, q3, d8, dim);
        s[3] = Close(a33, x3, q3, d8, dim);
    }

    /// <summary>z_c[k … k+31] += Σ_{i0 ≤ i &lt; i1} w_c[i] x_i[k … k+31] for the 4 queries c of the tile, rows in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile4x32(double* x, int dim, int ldW, int i0, int i1, double* w, double* z, int k)
    {
        var z0 = z + k;
        var z1 = z0 + dim;
        var z2 = z1 + dim;
        var z3 = z2 + dim;
        var w1 = w + ldW;
        var w2 = w1 + ldW;
        var w3 = w2 + ldW;
        Vector512<double> c00 = Vector512.Load(z0), c01 = Vector512.Load(z0 + 8), c02 = Vector512.Load(z0 + 16), c03 = Vector512.Load(z0 + 24);
        Vector512<double> c10 = Vector512.Load(z1), c11 = Vector512.Load(z1 + 8), c12 = Vector512.Load(z1 + 16), c13 = Vector512.Load(z1 + 24);
        Vector512<double> c20 = Vector512.Load(z2), c21 = Vector512.Load(z2 + 8), c22 = Vector512.Load(z2 + 16), c23 = Vector512.Load(z2 + 24);
        Vector512<double> c30 = Vector512.Load(z3), c31 = Vector512.Load(z3 + 8), c32 = Vector512.Load(z3 + 16), c33 = Vector512.Load(z3 + 24);
        for (var i = i0; i < i1; i++)
        {
            var xi = x + (long)i * dim + k;
            var v0 = Vector512.Load(xi);
            var v1 = Vector512.Load(xi + 8);
            var v2 = Vector512.Load(xi + 16);
            var v3 = Vector512.Load(xi + 24);
            var u = Vector512.Create(w[i]);
            c00 = Vector512.MultiplyAddEstimate(v0, u, c00);
            c01 = Vector512.MultiplyAddEstimate(v1, u, c01);
            c02 = Vector512.MultiplyAddEstimate(v2, u, c02);
            c03 = Vector512.MultiplyAddEstimate(v3, u, c03);
            u = Vector512.Create(w1[i]);
            c10 = Vector512.MultiplyAddEstimate(v0, u, c10);
            c11 = Vector512.MultiplyAddEstimate(v1, u, c11);
            c12 = Vector512.MultiplyAddEstimate(v2, u, c12);
            c13 = Vector512.MultiplyAddEstimate(v3, u, c13);
            u = Vector512.Create(w2[i]);
            c20 = Vector512.MultiplyAddEstimate(v0, u, c20);
            c21 = Vector512.MultiplyAddEstimate(v1, u, c21);
            c22 = Vector512.MultiplyAddEstimate(v2, u, c22);
            c23 = Vector512.MultiplyAddEstimate(v3, u, c23);
            u = Vector512.Create(w3[i]);
            c30 = Vector512.MultiplyAddEstimate(v0, u, c30);
            c31 = Vector512.MultiplyAddEstimate(v1, u, c31);
            c32 = Vector512.MultiplyAddEstimate(v2, u, c32);
            c33 = Vector512.MultiplyAddEstimate(v3, u, c33);
        }
        c00.Store(z0); c01.Store(z0 + 8); c02.Store(z0 + 16); c03.Store(z0 + 24);
        c10.Store(z1); c11.Store(z1 + 8); c12.Store(z1 + 16); c13.Store(z1 + 24);
        c20.Store(z2); c21.Store(z2 + 8); c22.Store(z2 + 16); c23.Store(z2 + 24);
        c30.Store(z3); c31.Store(z3 + 8); c32.Store(z3 + 16); c33.Store(z3 + 24);
    }

    /// <summary><see cref="Tile4x32"/> for 8 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile4x8(double* x, int dim, int ldW, int i0, int i1, double* w, double* z, int k)
    {
        var z0 = z + k;
        var z1 = z0 + dim;
        var z2 = z1 + dim;
        var z3 = z2 + dim;
        var w1 = w + ldW;
        var w2 = w1 + ldW;
        var w3 = w2 + ldW;
        Vector512<double> c0 = Vector512.Load(z0), c1 = Vector512.Load(z1), c2 = Vector512.Load(z2), c3 = Vector512.Load(z3);
        for (var i = i0; i < i1; i++)
        {
            var v = Vector512.Load(x + (long)i * dim + k);
            c0 = Vector512.MultiplyAddEstimate(v, Vector512.Create(w[i]), c0);
            c1 = Vector512.MultiplyAddEstimate(v, Vector512.Create(w1[i]), c1);
            c2 = Vector512.MultiplyAddEstimate(v, Vector512.Create(w2[i]), c2);
            c3 = Vector512.MultiplyAddEstimate(v, Vector512.Create(w3[i]), c3);
        }
        c0.Store(z0);
        c1.Store(z1);
        c2.Store(z2);
        c3.Store(z3);
    }

    /// <summary>The columns k ≥ 8⌊D/8⌋ of one query's readout over rows [i0, i1): unfused, as <see cref="Readout.AddScaled"/>'s tail.</summary>
    private static unsafe void AddTail(double* x, int dim, int ldW, int i0, int i1, double* w, double* z, int d8)
    {
        Debug.Assert(ldW > 0);
        if (d8 == dim) return;
        for (var i = i0; i < i1; i++)
        {
            var xi = x + (long)i * dim;
            var wi = w[i];
            for (var k = d8; k < dim; k++) z[k] += wi * xi[k];
        }
    }

    /// <summary>z += w·x in the order of <see cref="Readout.AddScaled"/> (fused 4-lane halves, unfused tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AddScaledRow(double* x, double w, double* z, int dim)
    {
        var wv = Vector256.Create(w);
        var k = 0;
        for (; k + 8 <= dim; k += 8)
        {
            Vector256.MultiplyAddEstimate(Vector256.Load(x + k), wv, Vector256.Load(z + k)).Store(z + k);
            Vector256.MultiplyAddEstimate(Vector256.Load(x + k + 4), wv, Vector256.Load(z + k + 4)).Store(z + k + 4);
        }
        for (; k < dim; k++) z[k] += w * x[k];
    }
}
