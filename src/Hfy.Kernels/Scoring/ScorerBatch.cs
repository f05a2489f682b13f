using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

public static partial class Scorer
{
    /// <summary>Queries per microkernel call.</summary>
    private const int Nr = 6;

    /// <summary>
    /// Scores a batch of queries: scores[b·N + i] = β · x_iᵀq_b (query-major), for <paramref name="batch"/> queries
    /// stored row-major in <paramref name="queries"/> (batch × dim).
    /// </summary>
    /// <remarks>
    /// Register blocking: a panel of 32 rows (AVX-512; 16 with AVX2) is packed dimension-major into a small
    /// per-thread buffer, so that lane r of one vector holds row r. The microkernel then keeps 2 × 6 vector
    /// accumulators — 32 rows × 6 queries — and per dimension k does 2 panel loads, 6 query broadcasts and 12 FMAs;
    /// each accumulator is already a contiguous run of one query's scores (no horizontal sums, no transposes).
    /// Each task packs a run of panels (≤ 256 KiB, in L2) and sweeps every query group over it, so the bank is read
    /// once per batch. Accumulation: float32 lanes over blocks of <see cref="Float32DotLimit"/> dimensions, blocks
    /// summed in float64. Tasks run on all cores. Large batches are bounded by writing the batch × N score matrix.
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
        var mr = wide ? 32 : 16;
        // Queries padded with zero rows to a multiple of Nr, so every microkernel call is full.
        var groups = (batch + Nr - 1) / Nr;
        var padded = new float[groups * Nr * dim];
        queries.CopyTo(padded);

        fixed (float* x = rows)
        fixed (float* qp = padded)
        fixed (float* s = scores)
        {
            var xa = (nint)x;
            var qa = (nint)qp;
            var sa = (nint)s;
            var panels = n / mr;
            // Each task packs a run of panels (≤ 256 KiB, so it stays in L2) and then sweeps query groups over the
            // whole run, so each query's scores are written as one long contiguous stretch rather than 64 streams
            // of 128 bytes (write-allocate misses otherwise dominate once the output outgrows the caches).
            var maxByCache = Math.Max(1, (256 * 1024) / (mr * dim * sizeof(float)));
            var panelsPerTask = Math.Max(1, Math.Min(Math.Min(16, maxByCache), panels / (4 * Environment.ProcessorCount)));
            var tasks = (panels + panelsPerTask - 1) / panelsPerTask;
            void RunTask(int task)
            {
                var firstPanel = task * panelsPerTask;
                var runLength = Math.Min(panels, firstPanel + panelsPerTask) - firstPanel;
                var pack = new float[runLength * mr * dim];
                var acc = new double[mr * Nr * 2]; // float64 tile, then the float32 block sums
                fixed (float* pk = pack)
                fixed (double* tile = acc)
                {
                    for (var p = 0; p < runLength; p++)
                    {
                        Pack((float*)xa + (long)(firstPanel + p) * mr * dim, dim, mr, pk + (long)p * mr * dim);
                    }
                    for (var g = 0; g < groups; g++)
                    {
                        var qg = (float*)qa + (long)g * Nr * dim;
                        var count = Math.Min(Nr, batch - g * Nr);
                        for (var p = 0; p < runLength; p++)
                        {
                            var r0 = (firstPanel + p) * mr;
                            var out0 = (float*)sa + (long)g * Nr * n + r0;
                            var panel = pk + (long)p * mr * dim;
                            if (wide) Micro<Panel512>(panel, qg, dim, n, count, (float)beta, beta, out0, tile);
                            else Micro<Panel256>(panel, qg, dim, n, count, (float)beta, beta, out0, tile);
                        }
                    }
                }
            }
            if ((long)rows.Length * batch < ParallelThreshold || Environment.ProcessorCount == 1 || tasks <= 1)
            {
                for (var t = 0; t < tasks; t++) RunTask(t);
            }
            else
            {
                Parallel.For(0, tasks, RunTask);
            }

            // Rows after the last full panel: one zero-padded panel through the same microkernel, so every row's
            // score is computed in the same order whatever its position (the fused scorer relies on it).
            var tail = n - panels * mr;
            if (tail > 0)
            {
                var pack = new float[mr * dim];
                var acc = new double[mr * Nr * 2];
                var outTile = new float[Nr * mr];
                fixed (float* pk = pack)
                fixed (double* tile = acc)
                fixed (float* ot = outTile)
                {
                    var r0 = panels * mr;
                    for (var r = 0; r < tail; r++)
                    {
                        for (var k = 0; k < dim; k++) pk[k * mr + r] = ((float*)xa)[(long)(r0 + r) * dim + k];
                    }
                    for (var g = 0; g < groups; g++)
                    {
                        var qg = (float*)qa + (long)g * Nr * dim;
                        var count = Math.Min(Nr, batch - g * Nr);
                        if (wide) Micro<Panel512>(pk, qg, dim, mr, count, (float)beta, beta, ot, tile);
                        else Micro<Panel256>(pk, qg, dim, mr, count, (float)beta, beta, ot, tile);
                        for (var j = 0; j < count; j++)
                        {
                            for (var r = 0; r < tail; r++) ((float*)sa)[(long)(g * Nr + j) * n + r0 + r] = ot[j * mr + r];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs <paramref name="mr"/> rows dimension-major: pack[k·mr + r] = x[r·dim + k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Pack(float* x, int dim, int mr, float* pack)
    {
        for (var r = 0; r < mr; r++)
        {
            var row = x + (long)r * dim;
            for (var k = 0; k < dim; k++) pack[k * mr + r] = row[k];
        }
    }

    /// <summary>
    /// mr rows × 6 queries (mr = 32 with AVX-512, 16 with AVX2); writes the first <paramref name="count"/> queries'
    /// scores (stride n). The panel type supplies the width-specific block kernel and scaled store; as a struct type
    /// parameter it is specialised at JIT time (no indirect calls).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Micro<TPanel>(float* pack, float* q, int dim, int n, int count, float betaF, double beta, float* output, double* tile)
        where TPanel : struct, IPanelKernel
    {
        var mr = TPanel.Mr;
        var sums = (float*)(tile + mr * Nr);
        if (dim <= Float32DotLimit)
        {
            TPanel.Block(pack, q, dim, 0, dim, sums);
            for (var j = 0; j < count; j++) TPanel.StoreScaled(sums + j * mr, betaF, output + (long)j * n);
            return;
        }
        new Span<double>(tile, mr * Nr).Clear();
        for (var k0 = 0; k0 < dim; k0 += Float32DotLimit)
        {
            TPanel.Block(pack, q, dim, k0, Math.Min(dim, k0 + Float32DotLimit), sums);
            for (var t = 0; t < mr * Nr; t++) tile[t] += sums[t];
        }
        for (var j = 0; j < count; j++)
        {
            for (var r = 0; r < mr; r++) output[(long)j * n + r] = (float)(beta * tile[j * mr + r]);
        }
    }

    /// <summary>The width-specific parts of <see cref="Micro{TPanel}"/>.</summary>
    private interface IPanelKernel
    {
        /// <summary>Rows per panel.</summary>
        static abstract int Mr { get; }

        /// <summary>One float32 accumulation block over dimensions [k0, kEnd), 6 × Mr sums, query-major.</summary>
        static abstract unsafe void Block(float* pack, float* q, int dim, int k0, int kEnd, float* sums);

        /// <summary>output[r] = betaF · sums[r] for r &lt; Mr (float32).</summary>
        static abstract unsafe void StoreScaled(float* sums, float betaF, float* output);
    }

    /// <summary>AVX-512 panel: 32 rows, two Vector512 per query.</summary>
    private readonly struct Panel512 : IPanelKernel
    {
        public static int Mr => 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Block(float* pack, float* q, int dim, int k0, int kEnd, float* sums) => Block512(pack, q, dim, k0, kEnd, sums);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void StoreScaled(float* sums, float betaF, float* output)
        {
            var bv = Vector512.Create(betaF);
            (Vector512.Load(sums) * bv).Store(output);
            (Vector512.Load(sums + 16) * bv).Store(output + 16);
        }
    }

    /// <summary>AVX2 panel: 16 rows, two Vector256 per query.</summary>
    private readonly struct Panel256 : IPanelKernel
    {
        public static int Mr => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Block(float* pack, float* q, int dim, int k0, int kEnd, float* sums) => Block256(pack, q, dim, k0, kEnd, sums);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void StoreScaled(float* sums, float betaF, float* output)
        {
            var bv = Vector256.Create(betaF);
            (Vector256.Load(sums) * bv).Store(output);
            (Vector256.Load(sums + 8) * bv).Store(output + 8);
        }
    }

    /// <summary>One float32 accumulation block over dimensions [k0, kEnd): the microkernel's inner loop; writes the
    /// 6 × mr sums to <paramref name="sums"/> (query-major).</summary>
    // Block512 and Block256 are deliberately separate register-blocked kernels: 12 named vector accumulators must stay
    // in registers (a generic-over-width or looped version spills them), and their multiply-add forms match
    // FusedKernels' so fused and unfused scores are the same bits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block512(float* pack, float* q, int dim, int k0, int kEnd, float* sums)
    {
        const int mr = 32;
        var q0 = q;
        var q1 = q + dim;
        var q2 = q1 + dim;
        var q3 = q2 + dim;
        var q4 = q3 + dim;
        var q5 = q4 + dim;
        var c00 = Vector512<float>.Zero;
        var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero;
        var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero;
        var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero;
        var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero;
        var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero;
        var c51 = Vector512<float>.Zero;
        var a = pack + k0 * mr;
        for (var k = k0; k < kEnd; k++, a += mr)
        {
            var a0 = Vector512.Load(a);
            var a1 = Vector512.Load(a + 16);
            var b = Vector512.Create(q0[k]);
            c00 = Vector512.FusedMultiplyAdd(a0, b, c00);
            c01 = Vector512.FusedMultiplyAdd(a1, b, c01);
            b = Vector512.Create(q1[k]);
            c10 = Vector512.FusedMultiplyAdd(a0, b, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b, c11);
            b = Vector512.Create(q2[k]);
            c20 = Vector512.FusedMultiplyAdd(a0, b, c20);
            c21 = Vector512.FusedMultiplyAdd(a1, b, c21);
            b = Vector512.Create(q3[k]);
            c30 = Vector512.FusedMultiplyAdd(a0, b, c30);
            c31 = Vector512.FusedMultiplyAdd(a1, b, c31);
            b = Vector512.Create(q4[k]);
            c40 = Vector512.FusedMultiplyAdd(a0, b, c40);
            c41 = Vector512.FusedMultiplyAdd(a1, b, c41);
            b = Vector512.Create(q5[k]);
            c50 = Vector512.FusedMultiplyAdd(a0, b, c50);
            c51 = Vector512.FusedMultiplyAdd(a1, b, c51);
        }
        c00.Store(sums); c01.Store(sums + 16);
        c10.Store(sums + mr); c11.Store(sums + mr + 16);
        c20.Store(sums + 2 * mr); c21.Store(sums + 2 * mr + 16);
        c30.Store(sums + 3 * mr); c31.Store(sums + 3 * mr + 16);
        c40.Store(sums + 4 * mr); c41.Store(sums + 4 * mr + 16);
        c50.Store(sums + 5 * mr); c51.Store(sums + 5 * mr + 16);
    }

    /// <summary>One float32 accumulation block over dimensions [k0, kEnd): the microkernel's inner loop; writes the
    /// 6 × mr sums to <paramref name="sums"/> (query-major).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block256(float* pack, float* q, int dim, int k0, int kEnd, float* sums)
    {
        const int mr = 16;
        var q0 = q;
        var q1 = q + dim;
        var q2 = q1 + dim;
        var q3 = q2 + dim;
        var q4 = q3 + dim;
        var q5 = q4 + dim;
        var c00 = Vector256<float>.Zero;
        var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero;
        var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero;
        var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero;
        var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero;
        var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero;
        var c51 = Vector256<float>.Zero;
        var a = pack + k0 * mr;
        for (var k = k0; k < kEnd; k++, a += mr)
        {
            var a0 = Vector256.Load(a);
            var a1 = Vector256.Load(a + 8);
            var b = Vector256.Create(q0[k]);
            c00 = Vector256.MultiplyAddEstimate(a0, b, c00);
            c01 = Vector256.MultiplyAddEstimate(a1, b, c01);
            b = Vector256.Create(q1[k]);
            c10 = Vector256.MultiplyAddEstimate(a0, b, c10);
            c11 = Vector256.MultiplyAddEstimate(a1, b, c11);
            b = Vector256.Create(q2[k]);
            c20 = Vector256.MultiplyAddEstimate(a0, b, c20);
            c21 = Vector256.MultiplyAddEstimate(a1, b, c21);
            b = Vector256.Create(q3[k]);
            c30 = Vector256.MultiplyAddEstimate(a0, b, c30);
            c31 = Vector256.MultiplyAddEstimate(a1, b, c31);
            b = Vector256.Create(q4[k]);
            c40 = Vector256.MultiplyAddEstimate(a0, b, c40);
            c41 = Vector256.MultiplyAddEstimate(a1, b, c41);
            b = Vector256.Create(q5[k]);
            c50 = Vector256.MultiplyAddEstimate(a0, b, c50);
            c51 = Vector256.MultiplyAddEstimate(a1, b, c51);
        }
        c00.Store(sums); c01.Store(sums + 8);
        c10.Store(sums + mr); c11.Store(sums + mr + 8);
        c20.Store(sums + 2 * mr); c21.Store(sums + 2 * mr + 8);
        c30.Store(sums + 3 * mr); c31.Store(sums + 3 * mr + 8);
        c40.Store(sums + 4 * mr); c41.Store(sums + 4 * mr + 8);
        c50.Store(sums + 5 * mr); c51.Store(sums + 5 * mr + 8);
    }

}
