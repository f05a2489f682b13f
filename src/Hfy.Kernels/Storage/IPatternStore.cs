namespace Hfy.Kernels.Storage;

/// <summary>How a pattern store holds its rows.</summary>
public enum PatternStoreKind
{
    /// <summary>float32 rows in process memory (<see cref="Bank"/> or <see cref="ResidentStore"/>).</summary>
    ResidentFloat32,
    /// <summary>float32 (or float64) rows of a memory-mapped .npy file, paged in by the OS.</summary>
    MappedNpy,
    /// <summary>float16 rows in process memory, widened to float32 when scored.</summary>
    Half,
    /// <summary>±1 rows packed 64 components per ulong.</summary>
    BitPacked,
    /// <summary>Rows regenerated on demand from (seed, row): O(1) memory.</summary>
    Procedural,
}

/// <summary>
/// A bank of <see cref="Rows"/> patterns of dimension <see cref="Dim"/>, however they are stored: everything the
/// fused scorer (<see cref="Scoring.FusedScorer"/>) and the sparse readout need is a float32 view of any row range.
/// </summary>
/// <remarks>
/// Implementations are thread-safe for concurrent reads: the fused scorer calls <see cref="Tile"/> from every
/// core at once. Row values are a pure function of the row index: decoding the same row twice gives the same bits.
/// </remarks>
public interface IPatternStore
{
    /// <summary>Number of patterns N.</summary>
    long Rows { get; }

    /// <summary>Pattern dimension D.</summary>
    int Dim { get; }

    /// <summary>How the rows are held.</summary>
    PatternStoreKind Kind { get; }

    /// <summary>Bytes this store keeps in process memory (mapped files: 0, the OS page cache holds them).</summary>
    long ResidentBytes { get; }

    /// <summary>Decodes rows [first, first + count) to float32, row-major, into <paramref name="dest"/> (count × Dim).</summary>
    void DecodeRows(long first, int count, Span<float> dest);

    /// <summary>Decodes one row (random access, for sparse readouts).</summary>
    void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <summary>
    /// Rows [first, first + count) row-major as float32: a view of the store's own memory where it holds float32 rows,
    /// otherwise decoded (or generated) into <paramref name="scratch"/> (count × Dim floats) and returned from there.
    /// </summary>
    /// <remarks>The fused scorer reads every tile through this call; the view is valid until the store is disposed.</remarks>
    ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        DecodeRows(first, count, scratch);
        return scratch[..(count * Dim)];
    }
}

/// <summary>Shared helpers of the <see cref="IPatternStore"/> implementations.</summary>
public static class PatternStores
{
    /// <summary>Checks that [first, first + count) lies inside the store and dest holds count × dim floats.</summary>
    public static void CheckRange(IPatternStore store, long first, int count, int destLength, int perRow)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (first < 0 || count < 0 || first + count > store.Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first + count}) are outside the store's {store.Rows} rows");
        if ((long)count * perRow > destLength)
            throw new ArgumentException($"dest has length {destLength}, expected at least {(long)count * perRow}", "dest");
    }

    /// <summary>Writes rows [first, first + count) of any store to a float32 .npy file, a block at a time.</summary>
    public static void WriteNpy(IPatternStore store, string path, long first, long count)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (first < 0 || count < 0 || first + count > store.Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first + count}) are outside the store's {store.Rows} rows");
        using var stream = File.Create(path);
        NpyWriter.WriteHeader(stream, "<f4", count, store.Dim);
        var blockRows = Math.Max(1, (1 << 20) / store.Dim);
        var buffer = new float[blockRows * store.Dim];
        for (long done = 0; done < count; done += blockRows)
        {
            var n = (int)Math.Min(blockRows, count - done);
            var span = buffer.AsSpan(0, n * store.Dim);
            store.DecodeRows(first + done, n, span);
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
        }
    }

    /// <summary>Copies a whole store into a resident float32 store (the materialized copy).</summary>
    public static ResidentStore Materialize(IPatternStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var resident = new ResidentStore(store.Rows, store.Dim);
        var blockRows = Math.Max(1, (1 << 18) / store.Dim);
        var blocks = (store.Rows + blockRows - 1) / blockRows;
        Parallel.For(0L, blocks, b =>
        {
            var first = b * blockRows;
            var n = (int)Math.Min(blockRows, store.Rows - first);
            store.DecodeRows(first, n, resident.RowSpan(first, n));
        });
        return resident;
    }
}
