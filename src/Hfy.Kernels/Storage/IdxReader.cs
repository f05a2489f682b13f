using System.Buffers.Binary;
using System.IO.Compression;

namespace Hfy.Kernels.Storage;

/// <summary>The parsed header of an IDX file: item count and the flattened item size.</summary>
/// <param name="TypeCode">IDX element type (0x08 unsigned byte, 0x0D float32, 0x0E float64).</param>
/// <param name="Dims">All dimensions as stored (first = number of items).</param>
public sealed record IdxHeader(byte TypeCode, int[] Dims)
{
    /// <summary>Number of items (first dimension).</summary>
    public long Rows => Dims[0];

    /// <summary>Elements per item: the product of the remaining dimensions (1 for a 1-D label file).</summary>
    public int Cols => (int)Dims.Skip(1).Aggregate(1L, (a, b) => checked(a * b));

    /// <summary>Bytes per element.</summary>
    public int ElementSize => TypeCode switch { 0x08 => 1, 0x0D => 4, _ => 8 };

    /// <summary>Byte offset of the first element in the uncompressed stream.</summary>
    public int DataOffset => 4 + 4 * Dims.Length;
}

/// <summary>
/// Reads IDX files as used by MNIST-style datasets, gzipped (detected by the 1F 8B magic) or not.
/// Each item (e.g. a 28×28 image) is flattened to one row. Unsigned-byte images are scaled to
/// [−1, 1] as x/127.5 − 1 (docs/math.md §5: "images scaled to [−1, 1]"); float files are read as stored.
/// A malformed file (including corrupt gzip data) is an <see cref="InvalidDataException"/> naming it in one line;
/// a missing file a <see cref="FileNotFoundException"/>; a row range outside the file or a block over
/// <see cref="BlockLimits"/> an <see cref="ArgumentException"/>.
/// </summary>
public static class IdxReader
{
    /// <summary>Parses the header of <paramref name="path"/>.</summary>
    public static IdxHeader ReadHeader(string path) => LoaderFile.Wrap(path, () =>
    {
        using var stream = Open(path);
        return ReadHeader(stream, path);
    });

    /// <summary>Reads items [firstRow, firstRow + count), flattened, as float32 (ubyte scaled to [−1, 1]).</summary>
    public static float[] ReadRows(string path, long firstRow, int count) => LoaderFile.Wrap(path, () => ReadRowsCore(path, firstRow, count));

    private static float[] ReadRowsCore(string path, long firstRow, int count)
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        if (firstRow < 0 || count < 0 || firstRow + count > header.Rows)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"{path}: rows [{firstRow}, {firstRow + count}) are outside the file's {header.Rows} items");
        var cols = header.Cols;
        var n = BlockLimits.CheckedElements(count, cols, path);
        Skip(stream, firstRow * cols * header.ElementSize, path);
        var rawLength = (long)n * header.ElementSize;
        if (rawLength > Array.MaxLength)
            throw new ArgumentException($"{path}: {count} items of {cols} elements are more bytes than one in-memory block holds; read fewer rows", nameof(count));
        var raw = ReadBytes(stream, (int)rawLength, path);
        var result = new float[n];
        switch (header.TypeCode)
        {
            case 0x08:
                for (var i = 0; i < n; i++) result[i] = raw[i] / 127.5f - 1f;
                break;
            case 0x0D:
                for (var i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan(4 * i));
                break;
            default:
                for (var i = 0; i < n; i++) result[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(raw.AsSpan(8 * i));
                break;
        }
        return result;
    }

    /// <summary>Reads the whole file as rows.</summary>
    public static float[] ReadAll(string path, out int rows, out int cols)
    {
        var header = ReadHeader(path);
        rows = header.Dims[0];
        cols = header.Cols;
        return ReadRows(path, 0, rows);
    }

    /// <summary>Reads a 1-D unsigned-byte label file (e.g. <c>train-labels-idx1-ubyte.gz</c>).</summary>
    public static byte[] ReadLabels(string path) => LoaderFile.Wrap(path, () =>
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        if (header.TypeCode != 0x08 || header.Dims.Length != 1)
            throw new InvalidDataException($"{path}: a label file must be 1-D unsigned bytes");
        return ReadBytes(stream, header.Dims[0], path);
    });

    private static Stream Open(string path)
    {
        var file = LoaderFile.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var gz = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Seek(0, SeekOrigin.Begin);
        return gz ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
    }

    private static IdxHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> head = stackalloc byte[4];
        if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4 || head[0] != 0 || head[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (the first two bytes must be zero)");
        var type = head[2];
        if (type is not (0x08 or 0x0D or 0x0E))
            throw new InvalidDataException($"{path}: IDX type 0x{type:X2} is not supported; only unsigned byte (0x08), float32 (0x0D) or float64 (0x0E)");
        int ndim = head[3];
        if (ndim < 1) throw new InvalidDataException($"{path}: IDX file has no dimensions");
        var dims = new int[ndim];
        Span<byte> d = stackalloc byte[4];
        for (var i = 0; i < ndim; i++)
        {
            if (stream.ReadAtLeast(d, 4, throwOnEndOfStream: false) < 4) throw new InvalidDataException($"{path}: file is truncated");
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(d);
            if (dims[i] < 0) throw new InvalidDataException($"{path}: dimension {i} is negative");
        }
        var header = new IdxHeader(type, dims);
        var item = 1L;
        for (var i = 1; i < ndim; i++)
        {
            item *= dims[i];
            if (item > int.MaxValue)
                throw new InvalidDataException($"{path}: items of more than {int.MaxValue} elements (dimensions 2..{ndim}) are not supported");
        }
        if (ndim > 1 && item == 0)
            throw new InvalidDataException($"{path}: items have zero elements (a dimension after the first is 0)");
        return header;
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes. The buffer grows with the data that actually arrives, so a header
    /// that claims more than the file holds is "truncated", never a huge allocation (a gzip stream has no length to check).
    /// </summary>
    private static byte[] ReadBytes(Stream stream, int length, string path)
    {
        if (stream.CanSeek && stream.Length - stream.Position < length)
            throw new InvalidDataException($"{path}: file is truncated ({stream.Length - stream.Position} bytes of data, the header needs {length})");
        if (stream.CanSeek)
        {
            var exact = new byte[length];
            if (stream.ReadAtLeast(exact, length, throwOnEndOfStream: false) < length) throw new InvalidDataException($"{path}: file is truncated");
            return exact;
        }
        using var buffer = new MemoryStream(Math.Min(length, 1 << 20));
        var chunk = new byte[1 << 16];
        while (buffer.Length < length)
        {
            var got = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length - buffer.Length));
            if (got == 0) throw new InvalidDataException($"{path}: file is truncated ({buffer.Length} bytes of data, the header needs {length})");
            buffer.Write(chunk, 0, got);
        }
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static void Skip(Stream stream, long bytes, string path)
    {
        if (bytes == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[1 << 16];
        while (bytes > 0)
        {
            var got = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, bytes));
            if (got == 0) throw new InvalidDataException($"{path}: file is truncated");
            bytes -= got;
        }
    }
}
