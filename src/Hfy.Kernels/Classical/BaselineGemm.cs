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
        var n = CheckShapes(rows.Length, dim, count, queries.Length, nameof(queries), overlaps.Length, nameof(overlaps));
        fixed (double* x = rows, q = queries, s = overlaps) OverlapsCore(x, n, dim, q, count, s);
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
        var n = CheckShapes(rows.Length, dim, count, readouts.Length, nameof(readouts), weights.Length, nameof(weights));
        fixed (double* x = rows, w = weights, z = readouts) ReadoutsCore(x, n, dim, w, count, z);
    }

    /// <summary>N, once X (N × D), the count × D block and the count × N block fit together; else the error names the block.</summary>
    private static int CheckShapes(int rowsLength, int dim, int count, int perDimLength, string perDimName, int perRowLength, string perRowName)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (rowsLength % dim != 0) throw new ArgumentException($"rows length {rowsLength} is not a multiple of dim {dim}", "rows");
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        if ((long)count * dim != perDimLength) throw new ArgumentException($"{perDimName} has length {perDimLength}, expected count × D = {(long)count * dim}", perDimName);
        var n = rowsLength / dim;
        if ((long)count * n != perRowLength) throw new ArgumentException($"{perRowName} has length {perRowLength}, expected count × N = {(long)count * n}", perRowName);
        return n;
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
        var tiled = Vector512.IsHardwareAccelerated ? count & ~3 : 0;
        for (var i0 = 0; i0 < n; i0 += Panel)
        {
            var i1 = Math.Min(n, i0 + Panel);
            for (var b = 0; b < tiled; b += 4) ReadoutTile(x, dim, i0, i1, w + (long)b * n, n, z + (long)b * dim);
            for (var c = tiled; c < count; c++)
            {
                var wc = w + (long)c * n;
                var zc = z + (long)c * dim;
                for (var i = i0; i < i1; i++) AddScaledRow(x + (long)i * dim, wc[i], zc, dim);
            }
        }
    }

    /// <summary>Four rows of a row-major block: <c>R0 = p</c>, and each next one <c>stride</c> values further.</summary>
    private readonly unsafe struct Rows4
    {
        public readonly double* R0, R1, R2, R3;

        public Rows4(double* p, int stride)
        {
            R0 = p;
            R1 = p + stride;
            R2 = R1 + stride;
            R3 = R2 + stride;
        }
    }

    /// <summary>
    /// The 4 × 4 register block of both tiles: a_j += v_j ⊙ u, one fused multiply-add per lane, for the four
    /// accumulators of one query (<see cref="Tile4x4"/>: four rows; <see cref="ReadoutTile"/>: four 8-column blocks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fma4(Vector512<double> u, Vector512<double> v0, Vector512<double> v1, Vector512<double> v2, Vector512<double> v3,
        ref Vector512<double> a0, ref Vector512<double> a1, ref Vector512<double> a2, ref Vector512<double> a3)
    {
        a0 = Vector512.MultiplyAddEstimate(v0, u, a0);
        a1 = Vector512.MultiplyAddEstimate(v1, u, a1);
        a2 = Vector512.MultiplyAddEstimate(v2, u, a2);
        a3 = Vector512.MultiplyAddEstimate(v3, u, a3);
    }

    /// <summary>One overlap in the order of <see cref="Scorer.DotF64"/>: the 1 × 1 case of <see cref="Tile4x4"/>, one 8-lane chain ended by <see cref="Close"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe double Dot(double* a, double* b, int dim)
    {
        var d8 = dim & ~7;
        var acc = Vector512<double>.Zero;
        for (var k = 0; k < d8; k += 8) acc = Vector512.MultiplyAddEstimate(Vector512.Load(a + k), Vector512.Load(b + k), acc);
        return Close(acc, a, b, d8, dim);
    }

    /// <summary>The end of an 8-lane chain: halves added and summed as <see cref="Scorer.DotF64"/> does, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double Close(Vector512<double> acc, double* a, double* b, int d8, int dim)
    {
        var sum = Vector256.Sum(acc.GetLower() + acc.GetUpper());
        for (var k = d8; k < dim; k++) sum += a[k] * b[k];
        return sum;
    }

    /// <summary>One query's overlaps with the four rows of a tile into s[0 … 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Close4(double* s, Rows4 x, double* q, Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, int d8, int dim)
    {
        s[0] = Close(a0, x.R0, q, d8, dim);
        s[1] = Close(a1, x.R1, q, d8, dim);
        s[2] = Close(a2, x.R2, q, d8, dim);
        s[3] = Close(a3, x.R3, q, d8, dim);
    }

    /// <summary>Overlaps of rows x … x + 3·D with queries q … q + 3·D into s[c·ldS + r].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile4x4(double* x0, double* q0, int dim, int d8, double* s, int ldS)
    {
        var x = new Rows4(x0, dim);
        var q = new Rows4(q0, dim);
        Vector512<double> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<double> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<double> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<double> a30 = default, a31 = default, a32 = default, a33 = default;
        for (var k = 0; k < d8; k += 8)
        {
            var v0 = Vector512.Load(x.R0 + k);
            var v1 = Vector512.Load(x.R1 + k);
            var v2 = Vector512.Load(x.R2 + k);
            var v3 = Vector512.Load(x.R3 + k);
            Fma4(Vector512.Load(q.R0 + k), v0, v1, v2, v3, ref a00, ref a10, ref a20, ref a30);
            Fma4(Vector512.Load(q.R1 + k), v0, v1, v2, v3, ref a01, ref a11, ref a21, ref a31);
            Fma4(Vector512.Load(q.R2 + k), v0, v1, v2, v3, ref a02, ref a12, ref a22, ref a32);
            Fma4(Vector512.Load(q.R3 + k), v0, v1, v2, v3, ref a03, ref a13, ref a23, ref a33);
        }
        Close4(s, x, q.R0, a00, a10, a20, a30, d8, dim);
        Close4(s + ldS, x, q.R1, a01, a11, a21, a31, d8, dim);
        Close4(s + 2L * ldS, x, q.R2, a02, a12, a22, a32, d8, dim);
        Close4(s + 3L * ldS, x, q.R3, a03, a13, a23, a33, d8, dim);
    }

    /// <summary>
    /// z_c += Σ_{i0 ≤ i &lt; i1} w_c[i] x_i for the 4 queries c of the tile, rows in order: 32 columns at a time, then 8,
    /// then the columns k ≥ 8⌊D/8⌋ unfused (as <see cref="Readout.AddScaled"/>'s tail).
    /// </summary>
    /// <param name="x">X, N × D row-major.</param>
    /// <param name="dim">D.</param>
    /// <param name="i0">First row of the panel.</param>
    /// <param name="i1">End of the panel (exclusive).</param>
    /// <param name="w">The first query's weights; query c's start c·ldW further.</param>
    /// <param name="ldW">N.</param>
    /// <param name="z">The first query's readout; query c's starts c·D further.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ReadoutTile(double* x, int dim, int i0, int i1, double* w, int ldW, double* z)
    {
        var d8 = dim & ~7;
        var ws = new Rows4(w, ldW);
        var zs = new Rows4(z, dim);
        var k = 0;
        for (; k + 32 <= d8; k += 32)
        {
            double* z0 = zs.R0 + k, z1 = zs.R1 + k, z2 = zs.R2 + k, z3 = zs.R3 + k;
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
                Fma4(Vector512.Create(ws.R0[i]), v0, v1, v2, v3, ref c00, ref c01, ref c02, ref c03);
                Fma4(Vector512.Create(ws.R1[i]), v0, v1, v2, v3, ref c10, ref c11, ref c12, ref c13);
                Fma4(Vector512.Create(ws.R2[i]), v0, v1, v2, v3, ref c20, ref c21, ref c22, ref c23);
                Fma4(Vector512.Create(ws.R3[i]), v0, v1, v2, v3, ref c30, ref c31, ref c32, ref c33);
            }
            c00.Store(z0); c01.Store(z0 + 8); c02.Store(z0 + 16); c03.Store(z0 + 24);
            c10.Store(z1); c11.Store(z1 + 8); c12.Store(z1 + 16); c13.Store(z1 + 24);
            c20.Store(z2); c21.Store(z2 + 8); c22.Store(z2 + 16); c23.Store(z2 + 24);
            c30.Store(z3); c31.Store(z3 + 8); c32.Store(z3 + 16); c33.Store(z3 + 24);
        }
        for (; k < d8; k += 8)
        {
            Vector512<double> c0 = Vector512.Load(zs.R0 + k), c1 = Vector512.Load(zs.R1 + k), c2 = Vector512.Load(zs.R2 + k), c3 = Vector512.Load(zs.R3 + k);
            for (var i = i0; i < i1; i++)
            {
                var v = Vector512.Load(x + (long)i * dim + k);
                c0 = Vector512.MultiplyAddEstimate(v, Vector512.Create(ws.R0[i]), c0);
                c1 = Vector512.MultiplyAddEstimate(v, Vector512.Create(ws.R1[i]), c1);
                c2 = Vector512.MultiplyAddEstimate(v, Vector512.Create(ws.R2[i]), c2);
                c3 = Vector512.MultiplyAddEstimate(v, Vector512.Create(ws.R3[i]), c3);
            }
            c0.Store(zs.R0 + k);
            c1.Store(zs.R1 + k);
            c2.Store(zs.R2 + k);
            c3.Store(zs.R3 + k);
        }
        if (d8 == dim) return;
        for (var i = i0; i < i1; i++)
        {
            var xi = x + (long)i * dim;
            for (var col = d8; col < dim; col++)
            {
                var xk = xi[col];
                zs.R0[col] += ws.R0[i] * xk;
                zs.R1[col] += ws.R1[i] * xk;
                zs.R2[col] += ws.R2[i] * xk;
                zs.R3[col] += ws.R3[i] * xk;
            }
        }
    }

    /// <summary>z += w·x in the order of <see cref="Readout.AddScaled"/> (fused below 8⌊D/8⌋, unfused tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AddScaledRow(double* x, double w, double* z, int dim)
    {
        var d8 = dim & ~7;
        var wv = Vector512.Create(w);
        for (var k = 0; k < d8; k += 8) Vector512.MultiplyAddEstimate(Vector512.Load(x + k), wv, Vector512.Load(z + k)).Store(z + k);
        for (var k = d8; k < dim; k++) z[k] += w * x[k];
    }
}
