using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// Register-blocked microkernels of the fused scorer. The bank is read row-major (one broadcast per row and dimension);
/// the queries are packed dimension-major, lane b of a vector = query b, so 6 rows × 4 query vectors (64 queries,
/// AVX-512) or 6 rows × 2 vectors (16 queries, AVX2) accumulate in registers with one FMA per (row, query vector, k).
/// Each (row, query) sum runs over k in order with one fused multiply-add per term — the same float32 operations as
/// <see cref="Scorer.ScoreBatch"/>'s kernel, so the scores are the same bits.
/// </summary>
internal static class FusedKernels
{
    /// <summary>Rows per microkernel call.</summary>
    public const int Mr = 6;

    /// <summary>
    /// out[r · outStride + b] = β · Σ_{k &lt; kEnd} x[r · dim + k] · q[k · qStride + b] for r &lt; 6 and the
    /// <paramref name="vectors"/> query vectors starting at q; when <paramref name="tmax"/> is not null it is raised
    /// lane-wise to the row maxima.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Block(float* x, int dim, int kEnd, float* q, int qStride, int vectors, float betaF, float* output, int outStride, float* tmax)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var v = 0;
            for (; v + 4 <= vectors; v += 4) Block512x4(x, dim, kEnd, q + v * 16, qStride, betaF, output + v * 16, outStride, tmax == null ? null : tmax + v * 16);
            for (; v < vectors; v++) BlockX1<Vector512<float>>(x, dim, kEnd, q + v * 16, qStride, betaF, output + v * 16, outStride, tmax == null ? null : tmax + v * 16);
        }
        else
        {
            var v = 0;
            for (; v + 2 <= vectors; v += 2) BlockX2<Vector256<float>>(x, dim, 0, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
            for (; v < vectors; v++) BlockX1<Vector256<float>>(x, dim, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
        }
    }

    /// <summary>Query lanes per vector of <see cref="Block"/>.</summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 16 : 8;

    // The kernels below are written out per query-vector count: each keeps 6, 12 or 24 named vector accumulators in
    // registers, which a looped version would spill to the stack. The width is the vector type parameter (Simd),
    // so they compile to the same instructions as hand-written per-width code, and Simd.MulAdd is the multiply-add form
    // of ScorerBatch's kernel, so fused and unfused scores stay the same bits. 24 accumulators need AVX-512's 32
    // registers, so the 4-vector kernel exists for that width only.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block512x4(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        Rows(x, dim, out var x0, out var x1, out var x2, out var x3, out var x4, out var x5);
        for (var k = 0; k < kEnd; k++)
        {
            var qk = q + (long)k * qs;
            var q0 = Vector512.Load(qk);
            var q1 = Vector512.Load(qk + 16);
            var q2 = Vector512.Load(qk + 32);
            var q3 = Vector512.Load(qk + 48);
            MulAdd4(q0, q1, q2, q3, x0[k], ref c00, ref c01, ref c02, ref c03);
            MulAdd4(q0, q1, q2, q3, x1[k], ref c10, ref c11, ref c12, ref c13);
            MulAdd4(q0, q1, q2, q3, x2[k], ref c20, ref c21, ref c22, ref c23);
            MulAdd4(q0, q1, q2, q3, x3[k], ref c30, ref c31, ref c32, ref c33);
            MulAdd4(q0, q1, q2, q3, x4[k], ref c40, ref c41, ref c42, ref c43);
            MulAdd4(q0, q1, q2, q3, x5[k], ref c50, ref c51, ref c52, ref c53);
        }
        var bv = Vector512.Create(betaF);
        ScaleStore4(bv, o, ref c00, ref c01, ref c02, ref c03);
        ScaleStore4(bv, o + os, ref c10, ref c11, ref c12, ref c13);
        ScaleStore4(bv, o + 2 * os, ref c20, ref c21, ref c22, ref c23);
        ScaleStore4(bv, o + 3 * os, ref c30, ref c31, ref c32, ref c33);
        ScaleStore4(bv, o + 4 * os, ref c40, ref c41, ref c42, ref c43);
        ScaleStore4(bv, o + 5 * os, ref c50, ref c51, ref c52, ref c53);
        if (tmax != null)
        {
            RaiseMax<Vector512<float>>(tmax, c00, c10, c20, c30, c40, c50);
            RaiseMax<Vector512<float>>(tmax + 16, c01, c11, c21, c31, c41, c51);
            RaiseMax<Vector512<float>>(tmax + 32, c02, c12, c22, c32, c42, c52);
            RaiseMax<Vector512<float>>(tmax + 48, c03, c13, c23, c33, c43, c53);
        }
    }

    /// <summary>c_j = c_j + q_j · xk (FusedMultiplyAdd, as <see cref="Simd{T, TV}.MulAdd"/> at 512 bits) for j &lt; 4: one row of <see cref="Block512x4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAdd4(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3, float xk, ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3)
    {
        var b = Vector512.Create(xk);
        c0 = Vector512.FusedMultiplyAdd(q0, b, c0);
        c1 = Vector512.FusedMultiplyAdd(q1, b, c1);
        c2 = Vector512.FusedMultiplyAdd(q2, b, c2);
        c3 = Vector512.FusedMultiplyAdd(q3, b, c3);
    }

    /// <summary>c_j = c_j · bv, stored at o + 16 j, for j &lt; 4: one output row of <see cref="Block512x4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ScaleStore4(Vector512<float> bv, float* o, ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3)
    {
        c0 *= bv;
        c1 *= bv;
        c2 *= bv;
        c3 *= bv;
        c0.Store(o);
        c1.Store(o + 16);
        c2.Store(o + 32);
        c3.Store(o + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BlockX1<TV>(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
        where TV : struct
    {
        TV c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Rows(x, dim, out var x0, out var x1, out var x2, out var x3, out var x4, out var x5);
        for (var k = 0; k < kEnd; k++)
        {
            var q0 = Simd<float, TV>.Load(q + (long)k * qs);
            c0 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x0[k]), c0);
            c1 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x1[k]), c1);
            c2 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x2[k]), c2);
            c3 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x3[k]), c3);
            c4 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x4[k]), c4);
            c5 = Simd<float, TV>.MulAdd(q0, Simd<float, TV>.Broadcast(x5[k]), c5);
        }
        var bv = Simd<float, TV>.Broadcast(betaF);
        c0 = Simd<float, TV>.Mul(c0, bv); c1 = Simd<float, TV>.Mul(c1, bv); c2 = Simd<float, TV>.Mul(c2, bv); c3 = Simd<float, TV>.Mul(c3, bv); c4 = Simd<float, TV>.Mul(c4, bv); c5 = Simd<float, TV>.Mul(c5, bv);
        Simd<float, TV>.Store(c0, o); Simd<float, TV>.Store(c1, o + os); Simd<float, TV>.Store(c2, o + 2 * os); Simd<float, TV>.Store(c3, o + 3 * os); Simd<float, TV>.Store(c4, o + 4 * os); Simd<float, TV>.Store(c5, o + 5 * os);
        if (tmax != null) RaiseMax<TV>(tmax, c0, c1, c2, c3, c4, c5);
    }

    /// <summary>
    /// o[r · os + c] = betaF · Σ_{k0 ≤ k &lt; kEnd} x[r · dim + k] · q[k · qs + c] for r &lt; 6 and c &lt; 2 · Simd.Lanes
    /// (float32, one Simd.MulAdd per term in k order); tmax (if not null) raised lane-wise to the row maxima. Also
    /// <see cref="Scorer.ScoreBatch"/>'s microkernel, with the roles swapped (x = 6 queries, q = a packed panel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BlockX2<TV>(float* x, int dim, int k0, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
        where TV : struct
    {
        var h = Simd<float, TV>.Lanes;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Rows(x, dim, out var x0, out var x1, out var x2, out var x3, out var x4, out var x5);
        var qk = q + (long)k0 * qs;
        for (var k = k0; k < kEnd; k++, qk += qs)
        {
            var q0 = Simd<float, TV>.Load(qk);
            var q1 = Simd<float, TV>.Load(qk + h);
            var b = Simd<float, TV>.Broadcast(x0[k]);
            c00 = Simd<float, TV>.MulAdd(q0, b, c00); c01 = Simd<float, TV>.MulAdd(q1, b, c01);
            b = Simd<float, TV>.Broadcast(x1[k]);
            c10 = Simd<float, TV>.MulAdd(q0, b, c10); c11 = Simd<float, TV>.MulAdd(q1, b, c11);
            b = Simd<float, TV>.Broadcast(x2[k]);
            c20 = Simd<float, TV>.MulAdd(q0, b, c20); c21 = Simd<float, TV>.MulAdd(q1, b, c21);
            b = Simd<float, TV>.Broadcast(x3[k]);
            c30 = Simd<float, TV>.MulAdd(q0, b, c30); c31 = Simd<float, TV>.MulAdd(q1, b, c31);
            b = Simd<float, TV>.Broadcast(x4[k]);
            c40 = Simd<float, TV>.MulAdd(q0, b, c40); c41 = Simd<float, TV>.MulAdd(q1, b, c41);
            b = Simd<float, TV>.Broadcast(x5[k]);
            c50 = Simd<float, TV>.MulAdd(q0, b, c50); c51 = Simd<float, TV>.MulAdd(q1, b, c51);
        }
        var bv = Simd<float, TV>.Broadcast(betaF);
        c00 = Simd<float, TV>.Mul(c00, bv); c01 = Simd<float, TV>.Mul(c01, bv); c10 = Simd<float, TV>.Mul(c10, bv); c11 = Simd<float, TV>.Mul(c11, bv);
        c20 = Simd<float, TV>.Mul(c20, bv); c21 = Simd<float, TV>.Mul(c21, bv); c30 = Simd<float, TV>.Mul(c30, bv); c31 = Simd<float, TV>.Mul(c31, bv);
        c40 = Simd<float, TV>.Mul(c40, bv); c41 = Simd<float, TV>.Mul(c41, bv); c50 = Simd<float, TV>.Mul(c50, bv); c51 = Simd<float, TV>.Mul(c51, bv);
        Simd<float, TV>.Store(c00, o); Simd<float, TV>.Store(c01, o + h); o += os;
        Simd<float, TV>.Store(c10, o); Simd<float, TV>.Store(c11, o + h); o += os;
        Simd<float, TV>.Store(c20, o); Simd<float, TV>.Store(c21, o + h); o += os;
        Simd<float, TV>.Store(c30, o); Simd<float, TV>.Store(c31, o + h); o += os;
        Simd<float, TV>.Store(c40, o); Simd<float, TV>.Store(c41, o + h); o += os;
        Simd<float, TV>.Store(c50, o); Simd<float, TV>.Store(c51, o + h);
        if (tmax != null)
        {
            RaiseMax<TV>(tmax, c00, c10, c20, c30, c40, c50);
            RaiseMax<TV>(tmax + h, c01, c11, c21, c31, c41, c51);
        }
    }

    /// <summary>The <see cref="Mr"/> row pointers of a row-major block: x_r = x + r · dim.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Rows(float* x, int dim, out float* x0, out float* x1, out float* x2, out float* x3, out float* x4, out float* x5)
    {
        x0 = x;
        x1 = x0 + dim;
        x2 = x1 + dim;
        x3 = x2 + dim;
        x4 = x3 + dim;
        x5 = x4 + dim;
    }

    /// <summary>tmax = max(tmax, c0, …, c5) lane-wise, in one fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RaiseMax<TV>(float* tmax, TV c0, TV c1, TV c2, TV c3, TV c4, TV c5)
        where TV : struct
        => Simd<float, TV>.Store(Simd<float, TV>.Max(Simd<float, TV>.Load(tmax), Simd<float, TV>.Max(Simd<float, TV>.Max(c0, c1), Simd<float, TV>.Max(Simd<float, TV>.Max(c2, c3), Simd<float, TV>.Max(c4, c5)))), tmax);
}
