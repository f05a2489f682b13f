using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// Scores θ = β X q (docs/math.md notation) over a row-major float32 block: the hot loop of retrieval.
/// Single queries run at the memory-bandwidth limit (SIMD over D, 4 rows at a time, all cores for big
/// blocks); batches use a register-blocked microkernel (<see cref="ScoreBatch"/>).
/// </summary>
/// <remarks>
/// Accumulation: for D ≤ <see cref="Float32DotLimit"/> each row's dot product accumulates in float32 lanes
/// (a few dozen terms per lane); longer rows are summed in float64 over blocks of that length, so every
/// sum of many terms is float64 (docs: "every sum over many patterns accumulates in float64").
/// NaN in rows or q propagates to the affected scores; nothing is checked in the hot loop.
/// </remarks>
public static partial class Scorer
{
    /// <summary>Longest row whose dot product accumulates entirely in float32 lanes.</summary>
    public const int Float32DotLimit = 1024;

    /// <summary>Blocks of at least this many floats are scored on all cores.</summary>
    public const int ParallelThreshold = 1 << 18;

    /// <summary>scores[i] = β · x_iᵀq for every row i of <paramref name="rows"/> (N × dim, row-major).</summary>
    public static void Score(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> q, double beta, Span<float> scores)
        => ScoreRows<float, float, F32Range>(rows, dim, q, beta, scores);

    /// <summary>
    /// scores[i] = β · x_iᵀq in float64 with a float64 query (the precise path used by the reference dynamics:
    /// the float32 rows are widened exactly and every product accumulates in float64).
    /// </summary>
    public static void Score(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<double> q, double beta, Span<double> scores)
        => ScoreRows<double, double, F64Range>(rows, dim, q, beta, scores);

    /// <summary>Checks the shapes, pins the spans and scores every row with <typeparamref name="TRange"/>.</summary>
    private static unsafe void ScoreRows<TQ, TS, TRange>(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<TQ> q, double beta, Span<TS> scores)
        where TQ : unmanaged
        where TS : unmanaged
        where TRange : struct, IRowRange<TRange>
    {
        var n = CheckShapes(rows.Length, dim, q.Length, scores.Length);
        fixed (float* x = rows)
        fixed (TQ* qp = q)
        fixed (TS* s = scores)
        {
            ForRowChunks(rows.Length, n, dim, TRange.Create((nint)x, dim, (nint)qp, beta, (nint)s));
        }
    }

    /// <summary>
    /// Runs <paramref name="range"/>(first, count) over all <paramref name="n"/> rows: in one call for blocks below
    /// <see cref="ParallelThreshold"/> floats (or on one core), otherwise in <see cref="ChunkRows"/>-row chunks on all
    /// cores. Each row is scored by the same operations either way.
    /// </summary>
    /// <remarks>The range is a struct type parameter, so the serial path allocates nothing and calls it directly.</remarks>
    private static void ForRowChunks<TRange>(int rowsLength, int n, int dim, TRange range)
        where TRange : struct, IRowRange<TRange>
    {
        if ((long)rowsLength < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            range.Run(0, n);
            return;
        }
        var chunk = ChunkRows(n, dim);
        Parallel.For(0, (n + chunk - 1) / chunk, c =>
        {
            var first = c * chunk;
            range.Run(first, Math.Min(chunk, n - first));
        });
    }

    /// <summary>Scores rows [first, first + count) of one block.</summary>
    private interface IRowRange<TSelf>
        where TSelf : struct, IRowRange<TSelf>
    {
        /// <summary>A range over pinned rows, query and scores.</summary>
        static abstract TSelf Create(nint x, int dim, nint q, double beta, nint s);

        /// <summary>Scores rows [first, first + count).</summary>
        void Run(int first, int count);
    }

    /// <summary>Float32 scores of a row range (pointers as nint so the struct can cross into the parallel lambda).</summary>
    private readonly unsafe struct F32Range(nint x, int dim, nint q, double beta, nint s) : IRowRange<F32Range>
    {
        public static F32Range Create(nint x, int dim, nint q, double beta, nint s) => new(x, dim, q, beta, s);

        public void Run(int first, int count) => ScoreRange((float*)x + (long)first * dim, dim, (float*)q, beta, (float*)s + first, count);
    }

    /// <summary>Float64 scores of a row range with a float64 query.</summary>
    private readonly unsafe struct F64Range(nint x, int dim, nint q, double beta, nint s) : IRowRange<F64Range>
    {
        public static F64Range Create(nint x, int dim, nint q, double beta, nint s) => new(x, dim, q, beta, s);

        public void Run(int first, int count)
        {
            for (var i = first; i < first + count; i++) ((double*)s)[i] = beta * DotF64((float*)x + (long)i * dim, (double*)q, dim);
        }
    }

    internal static int CheckShapes(int rowsLength, int dim, int qLength, int scoresLength)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (rowsLength % dim != 0) throw new ArgumentException($"rows length {rowsLength} is not a multiple of dim {dim}", "rows");
        if (qLength != dim) throw new ArgumentException($"q has length {qLength}, expected dim {dim}", "q");
        var n = rowsLength / dim;
        if (scoresLength != n) throw new ArgumentException($"scores has length {scoresLength}, expected {n} rows", "scores");
        return n;
    }

    /// <summary>Rows per parallel task: about 256 KiB of bank, at least 64 rows, and ≥ 4 tasks per core.</summary>
    internal static int ChunkRows(int n, int dim)
    {
        var byBytes = Math.Max(64, (1 << 16) / dim);
        var byCores = Math.Max(64, n / (4 * Environment.ProcessorCount));
        return Math.Min(byBytes, byCores);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScoreRange(float* x, int dim, float* q, double beta, float* s, int n)
    {
        if (dim > Float32DotLimit)
        {
            for (var i = 0; i < n; i++) s[i] = (float)(beta * DotLong(x + (long)i * dim, q, dim));
            return;
        }
        // Four rows per step with four named accumulators (register-blocked like ScorerBatch's and FusedKernels'
        // kernels, whose row-pointer set-up it shares in shape): kept written out so the accumulators stay in registers.
        var r = 0;
        for (; r + 4 <= n; r += 4)
        {
            var x0 = x + (long)r * dim;
            var x1 = x0 + dim;
            var x2 = x1 + dim;
            var x3 = x2 + dim;
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var a2 = Vector256<float>.Zero;
            var a3 = Vector256<float>.Zero;
            var k = 0;
            for (; k + 8 <= dim; k += 8)
            {
                var qv = Vector256.Load(q + k);
                a0 = Vector256.MultiplyAddEstimate(Vector256.Load(x0 + k), qv, a0);
                a1 = Vector256.MultiplyAddEstimate(Vector256.Load(x1 + k), qv, a1);
                a2 = Vector256.MultiplyAddEstimate(Vector256.Load(x2 + k), qv, a2);
                a3 = Vector256.MultiplyAddEstimate(Vector256.Load(x3 + k), qv, a3);
            }
            float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
            for (; k < dim; k++)
            {
                var qk = q[k];
                s0 += x0[k] * qk;
                s1 += x1[k] * qk;
                s2 += x2[k] * qk;
                s3 += x3[k] * qk;
            }
            s[r] = (float)(beta * s0);
            s[r + 1] = (float)(beta * s1);
            s[r + 2] = (float)(beta * s2);
            s[r + 3] = (float)(beta * s3);
        }
        for (; r < n; r++) s[r] = (float)(beta * DotF32(x + (long)r * dim, q, dim));
    }

    /// <summary>Float32 SIMD dot product of two length-<paramref name="dim"/> vectors (dim ≤ Float32DotLimit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe float DotF32(float* a, float* b, int dim)
    {
        Debug.Assert(dim <= Float32DotLimit);
        var acc = Vector256<float>.Zero;
        var k = 0;
        for (; k + 8 <= dim; k += 8) acc = Vector256.MultiplyAddEstimate(Vector256.Load(a + k), Vector256.Load(b + k), acc);
        var sum = Vector256.Sum(acc);
        for (; k < dim; k++) sum += a[k] * b[k];
        return sum;
    }

    /// <summary>Dot product of a long row: float32 lanes over blocks of Float32DotLimit, blocks summed in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe double DotLong(float* a, float* b, int dim)
    {
        var total = 0.0;
        for (var k0 = 0; k0 < dim; k0 += Float32DotLimit)
        {
            total += DotF32(a + k0, b + k0, Math.Min(Float32DotLimit, dim - k0));
        }
        return total;
    }

    /// <summary>Dot product in float64 of a float32 row with a float64 vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe double DotF64(float* a, double* b, int dim)
    {
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        var k = 0;
        for (; k + 8 <= dim; k += 8)
        {
            var (lo, hi) = WidenFloat(a + k);
            acc0 = Vector256.MultiplyAddEstimate(lo, Vector256.Load(b + k), acc0);
            acc1 = Vector256.MultiplyAddEstimate(hi, Vector256.Load(b + k + 4), acc1);
        }
        var sum = Vector256.Sum(acc0 + acc1);
        for (; k < dim; k++) sum += a[k] * b[k];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (Vector256<double> Lo, Vector256<double> Hi) WidenFloat(float* p)
    {
        var v = Vector256.Load(p);
        return (Vector256.WidenLower(v), Vector256.WidenUpper(v));
    }
}
