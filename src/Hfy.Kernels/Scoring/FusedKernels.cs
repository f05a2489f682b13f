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
            for (; v < vectors; v++) Block512x1(x, dim, kEnd, q + v * 16, qStride, betaF, output + v * 16, outStride, tmax == null ? null : tmax + v * 16);
        }
        else
        {
            var v = 0;
            for (; v + 2 <= vectors; v += 2) Block256x2(x, dim, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
            for (; v < vectors; v++) Block256x1(x, dim, kEnd, q + v * 8, qStride, betaF, output + v * 8, outStride, tmax == null ? null : tmax + v * 8);
        }
    }

    /// <summary>Query lanes per vector of <see cref="Block"/>.</summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 16 : 8;

    // The four kernels below (and ScorerBatch's Block512/Block256) are deliberately written out per width and per
    // query-vector count: each keeps 6 or 24 named vector accumulators in registers, which a generic-over-width or
    // looped version would spill to the stack, and each uses the exact multiply-add form of its ScorerBatch
    // counterpart so fused and unfused scores stay the same bits. Merging them would cost speed, so they stay copies.
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
            Vector512.Max(Vector512.Load(tmax), Vector512.Max(Vector512.Max(c00, c10), Vector512.Max(Vector512.Max(c20, c30), Vector512.Max(c40, c50)))).Store(tmax);
            Vector512.Max(Vector512.Load(tmax + 16), Vector512.Max(Vector512.Max(c01, c11), Vector512.Max(Vector512.Max(c21, c31), Vector512.Max(c41, c51)))).Store(tmax + 16);
            Vector512.Max(Vector512.Load(tmax + 32), Vector512.Max(Vector512.Max(c02, c12), Vector512.Max(Vector512.Max(c22, c32), Vector512.Max(c42, c52)))).Store(tmax + 32);
            Vector512.Max(Vector512.Load(tmax + 48), Vector512.Max(Vector512.Max(c03, c13), Vector512.Max(Vector512.Max(c23, c33), Vector512.Max(c43, c53)))).Store(tmax + 48);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block512x1(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        for (var k = 0; k < kEnd; k++)
        {
            var q0 = Vector512.Load(q + (long)k * qs);
            c0 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x0[k]), c0);
            c1 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x1[k]), c1);
            c2 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x2[k]), c2);
            c3 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x3[k]), c3);
            c4 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x4[k]), c4);
            c5 = Vector512.FusedMultiplyAdd(q0, Vector512.Create(x5[k]), c5);
        }
        var bv = Vector512.Create(betaF);
        c0 *= bv; c1 *= bv; c2 *= bv; c3 *= bv; c4 *= bv; c5 *= bv;
        c0.Store(o); c1.Store(o + os); c2.Store(o + 2 * os); c3.Store(o + 3 * os); c4.Store(o + 4 * os); c5.Store(o + 5 * os);
        if (tmax != null)
        {
            Vector512.Max(Vector512.Load(tmax), Vector512.Max(Vector512.Max(c0, c1), Vector512.Max(Vector512.Max(c2, c3), Vector512.Max(c4, c5)))).Store(tmax);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block256x2(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        for (var k = 0; k < kEnd; k++)
        {
            var qk = q + (long)k * qs;
            var q0 = Vector256.Load(qk);
            var q1 = Vector256.Load(qk + 8);
            var b = Vector256.Create(x0[k]);
            c00 = Vector256.MultiplyAddEstimate(q0, b, c00); c01 = Vector256.MultiplyAddEstimate(q1, b, c01);
            b = Vector256.Create(x1[k]);
            c10 = Vector256.MultiplyAddEstimate(q0, b, c10); c11 = Vector256.MultiplyAddEstimate(q1, b, c11);
            b = Vector256.Create(x2[k]);
            c20 = Vector256.MultiplyAddEstimate(q0, b, c20); c21 = Vector256.MultiplyAddEstimate(q1, b, c21);
            b = Vector256.Create(x3[k]);
            c30 = Vector256.MultiplyAddEstimate(q0, b, c30); c31 = Vector256.MultiplyAddEstimate(q1, b, c31);
            b = Vector256.Create(x4[k]);
            c40 = Vector256.MultiplyAddEstimate(q0, b, c40); c41 = Vector256.MultiplyAddEstimate(q1, b, c41);
            b = Vector256.Create(x5[k]);
            c50 = Vector256.MultiplyAddEstimate(q0, b, c50); c51 = Vector256.MultiplyAddEstimate(q1, b, c51);
        }
        var bv = Vector256.Create(betaF);
        c00 *= bv; c01 *= bv; c10 *= bv; c11 *= bv; c20 *= bv; c21 *= bv;
        c30 *= bv; c31 *= bv; c40 *= bv; c41 *= bv; c50 *= bv; c51 *= bv;
        c00.Store(o); c01.Store(o + 8); o += os;
        c10.Store(o); c11.Store(o + 8); o += os;
        c20.Store(o); c21.Store(o + 8); o += os;
        c30.Store(o); c31.Store(o + 8); o += os;
        c40.Store(o); c41.Store(o + 8); o += os;
        c50.Store(o); c51.Store(o + 8);
        if (tmax != null)
        {
            Vector256.Max(Vector256.Load(tmax), Vector256.Max(Vector256.Max(c00, c10), Vector256.Max(Vector256.Max(c20, c30), Vector256.Max(c40, c50)))).Store(tmax);
            Vector256.Max(Vector256.Load(tmax + 8), Vector256.Max(Vector256.Max(c01, c11), Vector256.Max(Vector256.Max(c21, c31), Vector256.Max(c41, c51)))).Store(tmax + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block256x1(float* x, int dim, int kEnd, float* q, int qs, float betaF, float* o, int os, float* tmax)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        var x0 = x;
        var x1 = x0 + dim;
        var x2 = x1 + dim;
        var x3 = x2 + dim;
        var x4 = x3 + dim;
        var x5 = x4 + dim;
        for (var k = 0; k < kEnd; k++)
        {
            var q0 = Vector256.Load(q + (long)k * qs);
            c0 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x0[k]), c0);
            c1 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x1[k]), c1);
            c2 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x2[k]), c2);
            c3 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x3[k]), c3);
            c4 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x4[k]), c4);
            c5 = Vector256.MultiplyAddEstimate(q0, Vector256.Create(x5[k]), c5);
        }
        var bv = Vector256.Create(betaF);
        c0 *= bv; c1 *= bv; c2 *= bv; c3 *= bv; c4 *= bv; c5 *= bv;
        c0.Store(o); c1.Store(o + os); c2.Store(o + 2 * os); c3.Store(o + 3 * os); c4.Store(o + 4 * os); c5.Store(o + 5 * os);
        if (tmax != null)
        {
            Vector256.Max(Vector256.Load(tmax), Vector256.Max(Vector256.Max(c0, c1), Vector256.Max(Vector256.Max(c2, c3), Vector256.Max(c4, c5)))).Store(tmax);
        }
    }
}
