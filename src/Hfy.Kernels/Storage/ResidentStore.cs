using System.Runtime.InteropServices;

namespace Hfy.Kernels.Storage;

/// <summary>
/// float32 rows in one native allocation (no 2³¹-element cap): banks of any size that fit in memory.
/// Dispose frees the memory; the store must not be used afterwards.
/// </summary>
public sealed unsafe class ResidentStore : IPatternStore, IDisposable
{
    private float* _data;

    /// <summary>Allocates rows × dim zeroed floats (64-byte aligned).</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 0 or dim &lt; 1.</exception>
    public ResidentStore(long rows, int dim)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        Rows = rows;
        Dim = dim;
        var bytes = (nuint)(rows * dim * sizeof(float));
        _data = (float*)NativeMemory.AlignedAlloc(Math.Max(bytes, 64), 64);
        NativeMemory.Clear(_data, bytes);
        if (bytes > 0) GC.AddMemoryPressure((long)bytes);
    }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim { get; }

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.ResidentFloat32;

    /// <inheritdoc/>
    public long ResidentBytes => Rows * Dim * sizeof(float);

    /// <summary>Writable view of rows [first, first + count) (count × Dim ≤ <see cref="int.MaxValue"/> floats).</summary>
    public Span<float> RowSpan(long first, int count)
    {
        PatternStores.CheckRange(this, first, count, int.MaxValue, 0);
        return new Span<float>(Pointer + first * Dim, checked(count * Dim));
    }

    /// <summary>Pointer to row 0.</summary>
    internal float* Pointer => _data != null ? _data : throw new ObjectDisposedException(nameof(ResidentStore));

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        new ReadOnlySpan<float>(Pointer + first * Dim, count * Dim).CopyTo(dest);
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <inheritdoc/>
    public ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        PatternStores.CheckRange(this, first, count, int.MaxValue, 0);
        return new ReadOnlySpan<float>(Pointer + first * Dim, count * Dim);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_data == null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        if (Rows > 0) GC.RemoveMemoryPressure(Rows * Dim * sizeof(float));
    }
}
