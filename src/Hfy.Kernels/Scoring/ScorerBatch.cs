using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

public static partial class Scorer
{
    /// <summary>Rows per microkernel call.</summary>
    private const int Mr = 6;

    /// <summary>Depth of one float32 accumulation block in the batch microkernel; blocks are summed in float64.</summary>
    private const int Kc = 256;

    /// <summary>
    /// Scores a batch of queries: scores[b·N + i] = β · x_iᵀq_b (query-major), for <paramref name="batch"/> queries
    /// stored row-major in <paramref name="queries"/> (batch × dim).
    /// </summary>
    /// <remarks>
    /// BLIS-style register blocking: the queries are packed into panels of 16 (AVX2) or 32 (AVX-512) with the
    /// dimension outermost, and a 6-row × panel microkernel keeps 12 vector accumulators in registers, broadcasting
    /// one bank element per row and FMA-ing it against the panel — no horizontal sums in the inner loop. Each
    /// accumulator lane sums at most 256 products in float32; blocks are added in float64. Row blocks run on all cores.
    /// </remarks>
    public static unsafe void ScoreBatch(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> queries, int batch, double beta, Span<float> scores)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 1");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if ((long)batch * dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * dim}", nameof(queries));
        if (rows.Length % dim != 0) throw new ArgumentException($"rows length {rows.Length} is not a multiple of dim {dim}", nameof(rows));
        var n = rows.Length / dim;
        if ((long)batch * n != scores.Length)
            throw new ArgumentException($"scores has length {scores.Length}, expected batch × rows = {(long)batch * n}", nameof(scores));
        if (n == 0) return;

        var wide = Vector512.IsHardwareAccelerated;
        var nr = wide ? 32 : 16;
        var panels = (batch + nr - 1) / nr;
        var packed = new float[(long)panels * dim * nr];
        for (var b = 0; b < batch; b++)
        {
            var p = b / nr;
            var j = b % nr;
            var src = queries.Slice(b * dim, dim);
            for (var k = 0; k < dim; k++) packed[((long)p * dim + k) * nr + j] = src[k];
        }

        fixed (float* x = rows)
        fixed (float* qp = queries)
        fixed (float* pk = packed)
        fixed (float* s = scores)
        {
            var xa = (nint)x;
            var qa = (nint)qp;
            var pa = (nint)pk;
            var sa = (nint)s;
            var blockRows = Math.Max(Mr, Math.Min(Mr * 64, n / (4 * Environment.ProcessorCount) / Mr * Mr));
            var blocks = (n + blockRows - 1) / blockRows;
            void RunBlock(int blk)
            {
                var first = blk * blockRows;
                var last = Math.Min(n, first + blockRows);
                var tile = stackalloc double[Mr * 32];
                for (var p = 0; p < panels; p++)
                {
                    var panel = (float*)pa + (long)p * dim * nr;
                    var qFirst = p * nr;
                    var qCount = Math.Min(nr, batch - qFirst);
                    var r = first;
                    for (; r + Mr <= last; r += Mr)
                    {
                        if (wide) Micro512((float*)xa + (long)r * dim, dim, panel, tile);
                        else Micro256((float*)xa + (long)r * dim, dim, panel, tile);
                        for (var i = 0; i < Mr; i++)
                        {
                            for (var j = 0; j < qCount; j++)
                            {
                                ((float*)sa)[(long)(qFirst + j) * n + r + i] = (float)(beta * tile[i * nr + j]);
                            }
                        }
                    }
                    for (; r < last; r++)
                    {
                        var xr = (float*)xa + (long)r * dim;
                        for (var j = 0; j < qCount; j++)
                        {
                            var qb = (float*)qa + (long)(qFirst + j) * dim;
                            var dot = dim <= Float32DotLimit ? DotF32(xr, qb, dim) : DotLong(xr, qb, dim);
                            ((float*)sa)[(long)(qFirst + j) * n + r] = (float)(beta * dot);
                        }
                    }
                }
            }
            if ((long)rows.Length * batch < ParallelThreshold || Environment.ProcessorCount == 1 || blocks == 1)
            {
                for (var blk = 0; blk < blocks; blk++) RunBlock(blk);
            }
            else
            {
                Parallel.For(0, blocks, RunBlock);
            }
        }
    }

    /// <summary>6 rows × 32 queries (two Vector512 per row): tile[i·32 + j] = x_{r+i}ᵀ q_j in float64.</summary>
    private static unsafe void Micro512(float* x, int dim, float* panel, double* tile)
    {
        Debug.Assert(Vector512.IsHardwareAccelerated);
        const int nr = 32;
        for (var t = 0; t < Mr * nr; t++) tile[t] = 0;
        var tmp = stackalloc float[Mr * nr];
        for (var k0 = 0; k0 < dim; k0 += Kc)
        {
            var kEnd = Math.Min(dim, k0 + Kc);
            var r0 = x;
            var r1 = x + dim;
            var r2 = r1 + dim;
            var r3 = r2 + dim;
            var r4 = r3 + dim;
            var r5 = r4 + dim;
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (var k = k0; k < kEnd; k++)
            {
                var b0 = Vector512.Load(panel + k * nr);
                var b1 = Vector512.Load(panel + k * nr + 16);
                var a = Vector512.Create(r0[k]);
                c00 = Vector512.FusedMultiplyAdd(a, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
                a = Vector512.Create(r1[k]);
                c10 = Vector512.FusedMultiplyAdd(a, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
                a = Vector512.Create(r2[k]);
                c20 = Vector512.FusedMultiplyAdd(a, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
                a = Vector512.Create(r3[k]);
                c30 = Vector512.FusedMultiplyAdd(a, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
                a = Vector512.Create(r4[k]);
                c40 = Vector512.FusedMultiplyAdd(a, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
                a = Vector512.Create(r5[k]);
                c50 = Vector512.FusedMultiplyAdd(a, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            }
            c00.Store(tmp); c01.Store(tmp + 16);
            c10.Store(tmp + 32); c11.Store(tmp + 48);
            c20.Store(tmp + 64); c21.Store(tmp + 80);
            c30.Store(tmp + 96); c31.Store(tmp + 112);
            c40.Store(tmp + 128); c41.Store(tmp + 144);
            c50.Store(tmp + 160); c51.Store(tmp + 176);
            for (var t = 0; t < Mr * nr; t++) tile[t] += tmp[t];
        }
    }

    /// <summary>6 rows × 16 queries (two Vector256 per row): tile[i·16 + j] = x_{r+i}ᵀ q_j in float64.</summary>
    private static unsafe void Micro256(float* x, int dim, float* panel, double* tile)
    {
        const int nr = 16;
        for (var t = 0; t < Mr * nr; t++) tile[t] = 0;
        var tmp = stackalloc float[Mr * nr];
        for (var k0 = 0; k0 < dim; k0 += Kc)
        {
            var kEnd = Math.Min(dim, k0 + Kc);
            var r0 = x;
            var r1 = x + dim;
            var r2 = r1 + dim;
            var r3 = r2 + dim;
            var r4 = r3 + dim;
            var r5 = r4 + dim;
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (var k = k0; k < kEnd; k++)
            {
                var b0 = Vector256.Load(panel + k * nr);
                var b1 = Vector256.Load(panel + k * nr + 8);
                var a = Vector256.Create(r0[k]);
                c00 = Vector256.MultiplyAddEstimate(a, b0, c00);
                c01 = Vector256.MultiplyAddEstimate(a, b1, c01);
                a = Vector256.Create(r1[k]);
                c10 = Vector256.MultiplyAddEstimate(a, b0, c10);
                c11 = Vector256.MultiplyAddEstimate(a, b1, c11);
                a = Vector256.Create(r2[k]);
                c20 = Vector256.MultiplyAddEstimate(a, b0, c20);
                c21 = Vector256.MultiplyAddEstimate(a, b1, c21);
                a = Vector256.Create(r3[k]);
                c30 = Vector256.MultiplyAddEstimate(a, b0, c30);
                c31 = Vector256.MultiplyAddEstimate(a, b1, c31);
                a = Vector256.Create(r4[k]);
                c40 = Vector256.MultiplyAddEstimate(a, b0, c40);
                c41 = Vector256.MultiplyAddEstimate(a, b1, c41);
                a = Vector256.Create(r5[k]);
                c50 = Vector256.MultiplyAddEstimate(a, b0, c50);
                c51 = Vector256.MultiplyAddEstimate(a, b1, c51);
            }
            c00.Store(tmp); c01.Store(tmp + 8);
            c10.Store(tmp + 16); c11.Store(tmp + 24);
            c20.Store(tmp + 32); c21.Store(tmp + 40);
            c30.Store(tmp + 48); c31.Store(tmp + 56);
            c40.Store(tmp + 64); c41.Store(tmp + 72);
            c50.Store(tmp + 80); c51.Store(tmp + 88);
            for (var t = 0; t < Mr * nr; t++) tile[t] += tmp[t];
        }
    }
}
