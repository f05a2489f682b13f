namespace Hfy.Kernels.Storage;

/// <summary>
/// A memory bank held in one process: <see cref="Rows"/> patterns of dimension <see cref="Dim"/>,
/// float32, row-major in one contiguous block (at most <see cref="Array.MaxLength"/> floats; larger banks
/// use <see cref="ResidentStore"/>, <see cref="MappedNpyStore"/> or <see cref="ProceduralStore"/>).
/// </summary>
public sealed class Bank : IPatternStore
{
    /// <summary>Wraps (does not copy) a row-major block of rows × dim floats.</summary>
    public Bank(float[] data, int rows, int dim)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if ((long)rows * dim != data.LongLength)
            throw new ArgumentException($"data has {data.LongLength} floats, expected rows × dim = {(long)rows * dim}", nameof(data));
        Data = data;
        Rows = rows;
        Dim = dim;
    }

    /// <summary>The row-major data, rows × dim.</summary>
    public float[] Data { get; }

    /// <summary>Number of patterns N.</summary>
    public int Rows { get; }

    /// <summary>Pattern dimension D.</summary>
    public int Dim { get; }

    long IPatternStore.Rows => Rows;

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.ResidentFloat32;

    /// <inheritdoc/>
    public long ResidentBytes => Data.LongLength * sizeof(float);

    /// <summary>Row i (pattern x_i).</summary>
    public ReadOnlySpan<float> Row(int i) => Data.AsSpan(checked(i * Dim), Dim);

    /// <summary>Rows [first, first + count) as one block.</summary>
    public ReadOnlySpan<float> Block(int first, int count) => Data.AsSpan(checked(first * Dim), checked(count * Dim));

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        Block((int)first, count).CopyTo(dest);
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <inheritdoc/>
    public ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        PatternStores.CheckRange(this, first, count, int.MaxValue, 0);
        return Data.AsSpan((int)first * Dim, count * Dim);
    }
}
