using System.Runtime.CompilerServices;

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
/// Implementations are thread-safe for concurrent reads: the fused scorer calls <see cref="PackPanel"/> from every
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
    /// Writes rows [first, first + count) dimension-major into a panel of <paramref name="width"/> lanes:
    /// dest[k · width + r] = x_{first + r, k} for r &lt; count, and 0 for count ≤ r &lt; width (dest: width × Dim).
    /// </summary>
    /// <remarks>The fused scorer's microkernel reads panels; stores that generate or decode rows write them here directly.</remarks>
    void PackPanel(long first, int count, int width, Span<float> dest) => PatternStores.PackByDecoding(this, first, count, width, dest);
}

/// <summary>Shared helpers of the <see cref="IPatternStore"/> implementations.</summary>
public static class PatternStores
{
    [ThreadStatic] private static float[]? _rowScratch;

    /// <summary>Checks that [first, first + count) lies inside the store and dest holds count × dim floats.</summary>
    public static void CheckRange(IPatternStore store, long first, int count, int destLength, int perRow)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (first < 0 || count < 0 || first + count > store.Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first + count}) are outside the store's {store.Rows} rows");
        if ((long)count * perRow > destLength)
            throw new ArgumentException($"dest has length {destLength}, expected at least {(long)count * perRow}", "dest");
    }

    /// <summary>The default <see cref="IPatternStore.PackPanel"/>: decode row-major into scratch, then transpose.</summary>
    public static void PackByDecoding(IPatternStore store, long first, int count, int width, Span<float> dest)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dim = store.Dim;
        CheckPanel(store, first, count, width, dest.Length);
        var need = count * dim;
        var scratch = _rowScratch;
        if (scratch is null || scratch.Length < need) _rowScratch = scratch = new float[Math.Max(need, 64 * dim)];
        store.DecodeRows(first, count, scratch.AsSpan(0, need));
        Transpose(scratch, count, dim, width, dest);
    }

    /// <summary>Checks a <see cref="IPatternStore.PackPanel"/> call.</summary>
    public static void CheckPanel(IPatternStore store, long first, int count, int width, int destLength)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (count > width) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be ≤ width {width}");
        CheckRange(store, first, count, int.MaxValue, 0);
        if ((long)width * store.Dim > destLength)
            throw new ArgumentException($"dest has length {destLength}, expected width × dim = {(long)width * store.Dim}", "dest");
    }

    /// <summary>dest[k · width + r] = rows[r · dim + k], zero lanes for r ≥ count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Transpose(ReadOnlySpan<float> rows, int count, int dim, int width, Span<float> dest)
    {
        fixed (float* x = rows)
        fixed (float* d = dest)
        {
            TransposeRaw(x, count, dim, width, d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void TransposeRaw(float* x, int count, int dim, int width, float* d)
    {
        if (count < width)
        {
            for (var k = 0; k < dim; k++) new Span<float>(d + (long)k * width + count, width - count).Clear();
        }
        for (var r = 0; r < count; r++)
        {
            var row = x + (long)r * dim;
            for (var k = 0; k < dim; k++) d[(long)k * width + r] = row[k];
        }
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
