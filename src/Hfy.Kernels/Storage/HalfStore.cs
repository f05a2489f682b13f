using System.Numerics.Tensors;

namespace Hfy.Kernels.Storage;

/// <summary>
/// float16 rows (half the memory of float32): rows are widened to float32 when decoded, so the scorer accumulates in
/// float32 as for any other store. Rounding to half costs ≤ 2⁻¹¹ relative per component (|x| ≥ 6.1e-5; below that
/// subnormal halves keep an absolute error ≤ 3e-8), so a unit row's score moves by ≤ 4.9e-4 ‖q‖.
/// </summary>
public sealed class HalfStore : IPatternStore
{
    private readonly Half[][] _segments;
    private readonly int _rowsPerSegment;

    /// <summary>An all-zero store of rows × dim halves, in segments of ≤ 2³⁰ values.</summary>
    public HalfStore(long rows, int dim)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        Rows = rows;
        Dim = dim;
        _rowsPerSegment = Math.Max(1, (1 << 30) / dim);
        var segments = (int)((rows + _rowsPerSegment - 1) / _rowsPerSegment);
        _segments = new Half[segments][];
        for (var s = 0; s < segments; s++)
        {
            var n = (int)Math.Min(_rowsPerSegment, rows - (long)s * _rowsPerSegment);
            _segments[s] = new Half[n * dim];
        }
    }

    /// <summary>Rounds every row of <paramref name="source"/> to float16 (round to nearest even).</summary>
    public static HalfStore From(IPatternStore source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var store = new HalfStore(source.Rows, source.Dim);
        var block = Math.Max(1, (1 << 16) / source.Dim);
        Parallel.For(0L, (source.Rows + block - 1) / block, b =>
        {
            var first = b * block;
            var n = (int)Math.Min(block, source.Rows - first);
            var tmp = new float[n * source.Dim];
            source.DecodeRows(first, n, tmp);
            store.WriteRows(first, tmp);
        });
        return store;
    }

    /// <summary>Writes float32 rows (rounded to float16) starting at row <paramref name="first"/>.</summary>
    public void WriteRows(long first, ReadOnlySpan<float> rows)
    {
        if (rows.Length % Dim != 0) throw new ArgumentException($"rows length {rows.Length} is not a multiple of dim {Dim}", nameof(rows));
        var count = rows.Length / Dim;
        PatternStores.CheckRange(this, first, count, rows.Length, Dim);
        for (var r = 0; r < count;)
        {
            var (seg, offset, run) = Locate(first + r, count - r);
            TensorPrimitives.ConvertToHalf(rows.Slice(r * Dim, run * Dim), _segments[seg].AsSpan(offset * Dim, run * Dim));
            r += run;
        }
    }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim { get; }

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.Half;

    /// <inheritdoc/>
    public long ResidentBytes => Rows * Dim * 2;

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        for (var r = 0; r < count;)
        {
            var (seg, offset, run) = Locate(first + r, count - r);
            TensorPrimitives.ConvertToSingle(_segments[seg].AsSpan(offset * Dim, run * Dim), dest.Slice(r * Dim, run * Dim));
            r += run;
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    private (int Segment, int Offset, int Run) Locate(long row, int wanted)
    {
        var seg = (int)(row / _rowsPerSegment);
        var offset = (int)(row - (long)seg * _rowsPerSegment);
        return (seg, offset, Math.Min(wanted, _rowsPerSegment - offset));
    }
}
