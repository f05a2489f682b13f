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
            for (; v < vectors; v++) BlockX1<Simd512, Vector512<float>>(x, dim, kEnd, q + v * 16, qStride, betaF, output + v * 16, outStride, tmax == null ? null : tmax + v * 16);
        }
        else
        {
            var v = 0;
            for (; v + 2 <= vectors; v += 2) BlockX2<Simd256, Vector256<float>>(x, dim, 0, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
            for (; v < vectors; v++) BlockX1<Simd256, Vector256<float>>(x, dim, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
        }
    }

    /// <summary>Query lanes per vector of <see cref="Block"/>.</summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 16 : 8;

    // The kernels below are written out per query-vector count: each keeps 6, 12 or 24 named vector accumulators in
    // registers, which a looped version would spill to the stack. The width is a struct type parameter (ISimdWidth),
    // so they compile to the same instructions as hand-written per-width code, and TS.MulAdd is the multiply-add form
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
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        for (var k = 0; k < kEnd; k++)
        {
            var qk = q + (long)k * qs;
            var q0 = Vector512.Load(qk);
            var q1 = Vector512.Load(qk + 16);
            var q2 = Vector512.Load(qk + 32);
            var q3 = Vector512.Load(qk + 48);
            var b = Vector512.Create(x0[k]);
            c00 = Vector512.FusedMultiplyAdd(q0, b, c00); c01 = Vector512.FusedMultiplyAdd(q1, b, c01);
            c02 = Vector512.FusedMultiplyAdd(q2, b, c02); c03 = Vector512.FusedMultiplyAdd(q3, b, c03);
            b = Vector512.Create(x1[k]);
            c10 = Vector512.FusedMultiplyAdd(q0, b, c10); c11 = Vector512.FusedMultiplyAdd(q1, b, c11);
            c12 = Vector512.FusedMultiplyAdd(q2, b, c12); c13 = Vector512.FusedMultiplyAdd(q3, b, c13);
            b = Vector512.Create(x2[k]);
            c20 = Vector512.FusedMultiplyAdd(q0, b, c20); c21 = Vector512.FusedMultiplyAdd(q1, b, c21);
            c22 = Vector512.FusedMultiplyAdd(q2, b, c22); c23 = Vector512.FusedMultiplyAdd(q3, b, c23);
            b = Vector512.Create(x3[k]);
            c30 = Vector512.FusedMultiplyAdd(q0, b, c30); c31 = Vector512.FusedMultiplyAdd(q1, b, c31);
            c32 = Vector512.FusedMultiplyAdd(q2, b, c32); c33 = Vector512.FusedMultiplyAdd(q3, b, c33);
            b = Vector512.Create(x4[k]);
            c40 = Vector512.FusedMultiplyAdd(q0, b, c40); c41 = Vector512.FusedMultiplyAdd(q1, b, c41);
            c42 = Vector512.FusedMultiplyAdd(q2, b, c42); c43 = Vector512.FusedMultiplyAdd(q3, b, c43);
            b = Vector512.Create(x5[k]);
            c50 = Vector512.FusedMultiplyAdd(q0, b, c50); c51 = Vector512.FusedMultiplyAdd(q1, b, c51);
            c52 = Vector512.FusedMultiplyAdd(q2, b, c52); c53 = Vector512.FusedMultiplyAdd(q3, b, c53);
        }
        var bv = Vector512.Create(betaF);
        c00 *= bv; c01 *= bv; c02 *= bv; c03 *= bv;
        c10 *= bv; c11 *= bv; c12 *= bv; c13 *= bv;
        c20 *= bv; c21 *= bv; c22 *= bv; c23 *= bv;
        c30 *= bv; c31 *= bv; c32 *= bv; c33 *= bv;
        c40 *= bv; c41 *= bv; c42 *= bv; c43 *= bv;
        c50 *= bv; c51 *= bv; c52 *= bv; c53 *= bv;
        c00.Store(o); c01.Store(o + 16); c02.Store(o + 32); c03.Store(o + 48); o += os;
        c10.Store(o); c11.Store(o + 16); c12.Store(o + 32); c13.Store(o + 48); o += os;
        c20.Store(o); c21.Store(o + 16); c22.Store(o + 32); c23.Store(o + 48); o += os;
        c30.Store(o); c31.Store(o + 16); c32.Store(o + 32); c33.Store(o + 48); o += os;
        c40.Store(o); c41.Store(o + 16); c42.Store(o + 32); c43.Store(o + 48); o += os;
        c50.Store(o); c51.Store(o + 16); c52.Store(o + 32); c53.Store(o + 48);
        if (tmax != null)
        {
            RaiseMax<Simd512, Vector512<float>>(tmax, c00, c10, c20, c30, c40, c50);
            RaiseMax<Simd512, Vector512<float>>(tmax + 16, c01, c11, c21, c31, c41, c51);
            RaiseMax<Simd512, Vector512<float>>(tmax + 32, c02, c12, c22, c32, c42, c52);
            RaiseMax<Simd512, Vector512<float>>(tmax + 48, c03, c13, c23, c33, c43, c53);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BlockX1<TS, TV>(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
        where TS : struct, ISimdWidth<TV>
        where TV : struct
    {
        TV c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        for (var k = 0; k < kEnd; k++)
        {
            var q0 = TS.Load(q + (long)k * qs);
            c0 = TS.MulAdd(q0, TS.Broadcast(x0[k]), c0);
            c1 = TS.MulAdd(q0, TS.Broadcast(x1[k]), c1);
            c2 = TS.MulAdd(q0, TS.Broadcast(x2[k]), c2);
            c3 = TS.MulAdd(q0, TS.Broadcast(x3[k]), c3);
            c4 = TS.MulAdd(q0, TS.Broadcast(x4[k]), c4);
            c5 = TS.MulAdd(q0, TS.Broadcast(x5[k]), c5);
        }
        var bv = TS.Broadcast(betaF);
        c0 = TS.Mul(c0, bv); c1 = TS.Mul(c1, bv); c2 = TS.Mul(c2, bv); c3 = TS.Mul(c3, bv); c4 = TS.Mul(c4, bv); c5 = TS.Mul(c5, bv);
        TS.Store(c0, o); TS.Store(c1, o + os); TS.Store(c2, o + 2 * os); TS.Store(c3, o + 3 * os); TS.Store(c4, o + 4 * os); TS.Store(c5, o + 5 * os);
        if (tmax != null) RaiseMax<TS, TV>(tmax, c0, c1, c2, c3, c4, c5);
    }

    /// <summary>
    /// o[r · os + c] = betaF · Σ_{k0 ≤ k &lt; kEnd} x[r · dim + k] · q[k · qs + c] for r &lt; 6 and c &lt; 2 · TS.Lanes
    /// (float32, one TS.MulAdd per term in k order); tmax (if not null) raised lane-wise to the row maxima. Also
    /// <see cref="Scorer.ScoreBatch"/>'s microkernel, with the roles swapped (x = 6 queries, q = a packed panel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BlockX2<TS, TV>(float* x, int dim, int k0, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
        where TS : struct, ISimdWidth<TV>
        where TV : struct
    {
        var h = TS.Lanes;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        var qk = q + (long)k0 * qs;
        for (var k = k0; k < kEnd; k++, qk += qs)
        {
            var q0 = TS.Load(qk);
            var q1 = TS.Load(qk + h);
            var b = TS.Broadcast(x0[k]);
            c00 = TS.MulAdd(q0, b, c00); c01 = TS.MulAdd(q1, b, c01);
            b = TS.Broadcast(x1[k]);
            c10 = TS.MulAdd(q0, b, c10); c11 = TS.MulAdd(q1, b, c11);
            b = TS.Broadcast(x2[k]);
            c20 = TS.MulAdd(q0, b, c20); c21 = TS.MulAdd(q1, b, c21);
            b = TS.Broadcast(x3[k]);
            c30 = TS.MulAdd(q0, b, c30); c31 = TS.MulAdd(q1, b, c31);
            b = TS.Broadcast(x4[k]);
            c40 = TS.MulAdd(q0, b, c40); c41 = TS.MulAdd(q1, b, c41);
            b = TS.Broadcast(x5[k]);
            c50 = TS.MulAdd(q0, b, c50); c51 = TS.MulAdd(q1, b, c51);
        }
        var bv = TS.Broadcast(betaF);
        c00 = TS.Mul(c00, bv); c01 = TS.Mul(c01, bv); c10 = TS.Mul(c10, bv); c11 = TS.Mul(c11, bv);
        c20 = TS.Mul(c20, bv); c21 = TS.Mul(c21, bv); c30 = TS.Mul(c30, bv); c31 = TS.Mul(c31, bv);
        c40 = TS.Mul(c40, bv); c41 = TS.Mul(c41, bv); c50 = TS.Mul(c50, bv); c51 = TS.Mul(c51, bv);
        TS.Store(c00, o); TS.Store(c01, o + h); o += os;
        TS.Store(c10, o); TS.Store(c11, o + h); o += os;
        TS.Store(c20, o); TS.Store(c21, o + h); o += os;
        TS.Store(c30, o); TS.Store(c31, o + h); o += os;
        TS.Store(c40, o); TS.Store(c41, o + h); o += os;
        TS.Store(c50, o); TS.Store(c51, o + h);
        if (tmax != null)
        {
            RaiseMax<TS, TV>(tmax, c00, c10, c20, c30, c40, c50);
            RaiseMax<TS, TV>(tmax + h, c01, c11, c21, c31, c41, c51);
        }
    }

    /// <summary>tmax = max(tmax, c0, …, c5) lane-wise, in one fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RaiseMax<TS, TV>(float* tmax, TV c0, TV c1, TV c2, TV c3, TV c4, TV c5)
        where TS : struct, ISimdWidth<TV>
        where TV : struct
        => TS.Store(TS.Max(TS.Load(tmax), TS.Max(TS.Max(c0, c1), TS.Max(TS.Max(c2, c3), TS.Max(c4, c5)))), tmax);
}
