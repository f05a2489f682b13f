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
                            if (wide) Micro<Vector512<float>>(panel, qg, dim, n, count, (float)beta, beta, out0, tile);
                            else Micro<Vector256<float>>(panel, qg, dim, n, count, (float)beta, beta, out0, tile);
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
                        if (wide) Micro<Vector512<float>>(pk, qg, dim, mr, count, (float)beta, beta, ot, tile);
                        else Micro<Vector256<float>>(pk, qg, dim, mr, count, (float)beta, beta, ot, tile);
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
    /// scores (stride n). The inner loop is <see cref="FusedKernels.BlockX2{TV}"/> (6 queries × 2 panel vectors),
    /// so fused and unfused scores are the same bits; the width is a struct type parameter, specialised at JIT time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Micro<TV>(float* pack, float* q, int dim, int n, int count, float betaF, double beta, float* output, double* tile)
        where TV : struct
    {
        var mr = 2 * Simd<float, TV>.Lanes;
        var sums = (float*)(tile + mr * Nr);
        if (dim <= Float32DotLimit)
        {
            // A full group writes its scaled scores straight to the output; a short one (the padded last group) via
            // the tile, so the padding queries' rows are not written.
            if (count == Nr)
            {
                FusedKernels.BlockX2<TV>(q, dim, 0, dim, pack, mr, betaF, output, n, null);
                return;
            }
            FusedKernels.BlockX2<TV>(q, dim, 0, dim, pack, mr, betaF, sums, mr, null);
            for (var j = 0; j < count; j++) new ReadOnlySpan<float>(sums + j * mr, mr).CopyTo(new Span<float>(output + (long)j * n, mr));
            return;
        }
        new Span<double>(tile, mr * Nr).Clear();
        for (var k0 = 0; k0 < dim; k0 += Float32DotLimit)
        {
            FusedKernels.BlockX2<TV>(q, dim, k0, Math.Min(dim, k0 + Float32DotLimit), pack, mr, 1f, sums, mr, null);
            for (var t = 0; t < mr * Nr; t++) tile[t] += sums[t];
        }
        for (var j = 0; j < count; j++)
        {
            for (var r = 0; r < mr; r++) output[(long)j * n + r] = (float)(beta * tile[j * mr + r]);
        }
    }
}
