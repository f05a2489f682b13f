using System.IO.MemoryMappedFiles;

namespace Hfy.Kernels.Storage;

/// <summary>
/// The rows of a 2-D float32 or float64 .npy file, memory-mapped read-only: files larger than memory are paged in
/// by the OS as the scorer streams through them, and nothing is copied into the process (float64 rows are rounded
/// to float32 as they are decoded). Dispose unmaps the file.
/// </summary>
public sealed unsafe class MappedNpyStore : IPatternStore, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    /// <summary>Maps <paramref name="path"/> (header parsed by <see cref="NpyReader.ReadHeader(string)"/>).</summary>
    /// <exception cref="InvalidDataException">The file is not a 2-D float32/float64 C-order .npy, or is shorter than its header says.</exception>
    public MappedNpyStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Header = NpyReader.ReadHeader(path);
        Path = path;
        var needed = Header.DataOffset + Header.Rows * Header.Cols * Header.ElementSize;
        var length = new FileInfo(path).Length;
        if (length < needed)
            throw new InvalidDataException($"{path}: the header promises {Header.Rows} × {Header.Cols} values ({needed} bytes) but the file has {length} bytes");
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset + Header.DataOffset;
    }

    /// <summary>The file's parsed header.</summary>
    public NpyHeader Header { get; }

    /// <summary>The mapped file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public long Rows => Header.Rows;

    /// <inheritdoc/>
    public int Dim => Header.Cols;

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.MappedNpy;

    /// <inheritdoc/>
    public long ResidentBytes => 0;

    private byte* Base => _base != null ? _base : throw new ObjectDisposedException(nameof(MappedNpyStore));

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        var n = count * Dim;
        if (Header.DType == NpyDType.Float32)
        {
            new ReadOnlySpan<float>((float*)Base + first * Dim, n).CopyTo(dest);
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<double, float>(new ReadOnlySpan<double>((double*)Base + first * Dim, n), dest[..n]);
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <inheritdoc/>
    public ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        if (Header.DType != NpyDType.Float32)
        {
            DecodeRows(first, count, scratch);
            return scratch[..(count * Dim)];
        }
        PatternStores.CheckRange(this, first, count, int.MaxValue, 0);
        return new ReadOnlySpan<float>((float*)Base + first * Dim, count * Dim);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
