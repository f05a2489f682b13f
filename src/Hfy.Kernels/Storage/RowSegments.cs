namespace Hfy.Kernels.Storage;

/// <summary>
/// Fixed-length rows of <typeparamref name="T"/> held in segments of at most a given number of values each, so no
/// single array grows past the runtime's limits; shared by the compact stores (<see cref="HalfStore"/>,
/// <see cref="BitPackedStore"/>).
/// </summary>
internal sealed class RowSegments<T>
{
    private readonly T[][] _segments;

    /// <summary>Validates rows × dim (one clear error naming the field) and allocates zeroed segments.</summary>
    public RowSegments(long rows, int dim, Func<int, int> valuesPerRow, int maxValuesPerSegment)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        ValuesPerRow = valuesPerRow(dim);
        RowsPerSegment = Math.Max(1, maxValuesPerSegment / ValuesPerRow);
        var segments = (int)((rows + RowsPerSegment - 1) / RowsPerSegment);
        _segments = new T[segments][];
        for (var s = 0; s < segments; s++)
        {
            var n = (int)Math.Min(RowsPerSegment, rows - (long)s * RowsPerSegment);
            _segments[s] = new T[n * ValuesPerRow];
        }
    }

    /// <summary>Values per row.</summary>
    public int ValuesPerRow { get; }

    /// <summary>Rows per segment (the last segment may hold fewer).</summary>
    public int RowsPerSegment { get; }

    /// <summary>
    /// The longest contiguous run of rows starting at <paramref name="row"/>, at most <paramref name="wanted"/> rows
    /// and never crossing a segment; <paramref name="run"/> receives its row count.
    /// </summary>
    public Span<T> Run(long row, int wanted, out int run)
    {
        var seg = (int)(row / RowsPerSegment);
        var offset = (int)(row - (long)seg * RowsPerSegment);
        run = Math.Min(wanted, RowsPerSegment - offset);
        return _segments[seg].AsSpan(offset * ValuesPerRow, run * ValuesPerRow);
    }

    /// <summary>
    /// Decodes <paramref name="source"/> a block of rows at a time on all cores and hands each block (first row,
    /// row count, float32 values) to <paramref name="write"/>: the conversion loop of the stores' From methods.
    /// </summary>
    public static void ConvertFrom(IPatternStore source, Action<long, int, float[]> write)
    {
        var block = Math.Max(1, (1 << 16) / source.Dim);
        Parallel.For(0L, (source.Rows + block - 1) / block, b =>
        {
            var first = b * block;
            var n = (int)Math.Min(block, source.Rows - first);
            var tmp = new float[n * source.Dim];
            source.DecodeRows(first, n, tmp);
            write(first, n, tmp);
        });
    }
}
