using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Measurement;

/// <summary>The two largest values of ξ_i·v over the rows of a bank for one vector v, with their rows (ties: lower row first).</summary>
/// <param name="Best">Row of the largest value (−1 for an empty bank).</param>
/// <param name="BestValue">The largest value.</param>
/// <param name="Second">Row of the second largest (−1 when the bank has one row).</param>
/// <param name="SecondValue">The second largest value.</param>
public readonly record struct TopTwo(long Best, double BestValue, long Second, double SecondValue)
{
    /// <summary>No rows seen.</summary>
    public static TopTwo Empty { get; } = new(-1, double.NegativeInfinity, -1, double.NegativeInfinity);

    /// <summary>The largest value over the rows other than <paramref name="row"/>.</summary>
    public double MaxExcluding(long row) => Best == row ? SecondValue : BestValue;

    /// <summary>The row of <see cref="MaxExcluding"/>.</summary>
    public long ArgMaxExcluding(long row) => Best == row ? Second : Best;

    /// <summary>This top two with one more candidate (value, row).</summary>
    public TopTwo With(long row, double value)
    {
        if (Greater(value, row, BestValue, Best)) return new TopTwo(row, value, Best, BestValue);
        if (Greater(value, row, SecondValue, Second)) return new TopTwo(Best, BestValue, row, value);
        return this;
    }

    /// <summary>The top two of the union of two disjoint row sets.</summary>
    public TopTwo Merge(TopTwo other) => With(other.Best, other.BestValue).With(other.Second, other.SecondValue);

    private static bool Greater(double v, long row, double w, long wRow)
        => row >= 0 && (v > w || (v == w && (wRow < 0 || row < wRow)));
}

/// <summary>
/// One pass over a bank's rows for many vectors at once: for each vector v the top two of ξ_i·v (exponential capacity
/// experiment: φ_target, the largest other overlap, and φ_max,other of the stored pattern itself).
/// </summary>
/// <remarks>
/// Rows are read in blocks through an <see cref="IRowSource"/> (nothing else is assumed of the storage), widened to float64,
/// and dotted with the float64 vectors in float64, so values are exact dot products of the stored float32 rows to float64
/// rounding. Blocks run in parallel; the result does not depend on the order (ties go to the lower row).
/// Cost: P·N·V multiply-adds for V vectors.
/// </remarks>
public static class TopOverlapScan
{
    /// <summary>Top two of ξ_i·v_k for the <paramref name="count"/> vectors (row-major, count × Dim).</summary>
    /// <param name="source">The bank.</param>
    /// <param name="vectors">count × Dim values.</param>
    /// <param name="count">Number of vectors.</param>
    /// <param name="blockRows">Rows per block read.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads (−1: the runtime's choice).</param>
    public static TopTwo[] Scan(IRowSource source, ReadOnlySpan<double> vectors, int count, int blockRows = 4096, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(source);
        var dim = source.Dim;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        if ((long)count * dim != vectors.Length) throw new ArgumentException($"vectors has {vectors.Length} values, expected count × Dim = {(long)count * dim}", nameof(vectors));
        if (blockRows < 1) throw new ArgumentOutOfRangeException(nameof(blockRows), blockRows, "blockRows must be ≥ 1");
        var v = vectors.ToArray();
        var result = new TopTwo[count];
        Array.Fill(result, TopTwo.Empty);
        var blocks = (source.Rows + blockRows - 1) / blockRows;
        var gate = new object();
        Parallel.For(0L, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => (Top: Filled(count), Rows: new float[blockRows * dim], Wide: new double[blockRows * dim]),
            (b, _, local) =>
            {
                var first = b * blockRows;
                var n = (int)Math.Min(blockRows, source.Rows - first);
                source.ReadRows(first, local.Rows.AsSpan(0, n * dim));
                for (var k = 0; k < n * dim; k++) local.Wide[k] = local.Rows[k];
                for (var r = 0; r < n; r++)
                {
                    var row = local.Wide.AsSpan(r * dim, dim);
                    for (var j = 0; j < count; j++)
                    {
                        var dot = TensorPrimitives.Dot(row, v.AsSpan(j * dim, dim));
                        ref var t = ref local.Top[j];
                        if (dot >= t.SecondValue) t = t.With(first + r, dot);
                    }
                }
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (var j = 0; j < count; j++) result[j] = result[j].Merge(local.Top[j]);
                }
            });
        return result;
    }

    /// <summary>
    /// <see cref="Scan(IRowSource, ReadOnlySpan{double}, int, int, int)"/>'s answer (the same values, bit for bit) from one
    /// fused pass over a store: each tile of rows (procedural rows generated in cache) is scored for every vector at once
    /// by the fused float32 microkernel (<see cref="FusedScorer.ScanTiles{TState}"/>), and only the rows whose float32
    /// score comes within its rounding bound of a vector's running second best are dotted again exactly (float64, as
    /// the row-source scan does) into that vector's top two.
    /// </summary>
    /// <remarks>
    /// The float32 score of row x against v (v rounded to float32, one FMA chain over D terms) differs from x·v by at
    /// most (D + 2)·2⁻²⁴·Σ|x_k||v_k| ≤ (D + 2)·2⁻²⁴·‖x‖‖v‖; the filter allows four times that (with the tile's largest
    /// ‖x‖), so no row that can enter a top two is skipped. Chunks merge in row order; ties go to the lower row.
    /// </remarks>
    /// <param name="store">The rows (as the engine holds them).</param>
    /// <param name="vectors">count × Dim values.</param>
    /// <param name="count">Number of vectors.</param>
    public static TopTwo[] Scan(IPatternStore store, ReadOnlySpan<double> vectors, int count)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dim = store.Dim;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        if ((long)count * dim != vectors.Length) throw new ArgumentException($"vectors has {vectors.Length} values, expected count × Dim = {(long)count * dim}", nameof(vectors));
        var result = Filled(count);
        if (count == 0 || store.Rows == 0) return result;
        var v = vectors.ToArray();
        var q = new float[v.Length];
        for (var i = 0; i < v.Length; i++) q[i] = (float)v[i];
        var slack = new double[count];
        for (var j = 0; j < count; j++) slack[j] = 4.0 * (dim + 2) * Math.ScaleB(1.0, -24) * Math.Sqrt(TensorPrimitives.SumOfSquares(v.AsSpan(j * dim, dim)));
        var chunks = FusedScorer.ScanTilesRowMajor(store, q, count, 1.0, () => new StoreScanState(count, dim), (state, first, rows, tile, scores, stride) =>
        {
            var maxNorm2 = 0.0;
            for (var r = 0; r < rows; r++) maxNorm2 = Math.Max(maxNorm2, TensorPrimitives.SumOfSquares(tile.Slice(r * dim, dim)));
            var maxNorm = Math.Sqrt(maxNorm2) * (1 + 1e-12);
            var threshold = state.Threshold(stride);
            for (var j = 0; j < count; j++) threshold[j] = FloorOf(state.Top[j].SecondValue - (slack[j] * maxNorm));
            for (var r = 0; r < rows; r++)
            {
                var s = scores.Slice(r * stride, stride);
                for (var g = 0; g < stride; g += 8)
                {
                    var mask = Vector256.GreaterThanOrEqual(Vector256.Create(s.Slice(g, 8)), Vector256.Create(threshold.AsSpan(g, 8))).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        var j = g + BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        var row = state.Row.AsSpan();
                        var x = tile.Slice(r * dim, dim);
                        for (var k = 0; k < dim; k++) row[k] = x[k];
                        var dot = TensorPrimitives.Dot(row, v.AsSpan(j * dim, dim));
                        ref var t = ref state.Top[j];
                        if (dot >= t.SecondValue)
                        {
                            t = t.With(first + r, dot);
                            threshold[j] = FloorOf(t.SecondValue - (slack[j] * maxNorm));
                        }
                    }
                }
            }
        });
        foreach (var chunk in chunks)
        {
            for (var j = 0; j < count; j++) result[j] = result[j].Merge(chunk.Top[j]);
        }
        return result;
    }

    /// <summary>The largest float ≤ <paramref name="value"/> (−∞ stays −∞), so a float score ≥ it covers every score ≥ the double.</summary>
    private static float FloorOf(double value)
    {
        var f = (float)value;
        return f > value ? MathF.BitDecrement(f) : f;
    }

    /// <summary>One chunk's running top twos, its float thresholds (padding lanes +∞) and a row buffer.</summary>
    private sealed class StoreScanState(int count, int dim)
    {
        private float[]? _threshold;

        public TopTwo[] Top { get; } = Filled(count);

        public double[] Row { get; } = new double[dim];

        public float[] Threshold(int stride)
        {
            if (_threshold is null)
            {
                _threshold = new float[stride];
                Array.Fill(_threshold, float.PositiveInfinity);
            }
            return _threshold;
        }
    }

    private static TopTwo[] Filled(int count)
    {
        var a = new TopTwo[count];
        Array.Fill(a, TopTwo.Empty);
        return a;
    }
}
