using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Hfy.Kernels.Storage;

/// <summary>Element type of a .npy file.</summary>
public enum NpyDType
{
    /// <summary>Little-endian float32 (<c>&lt;f4</c>).</summary>
    Float32,
    /// <summary>Little-endian float64 (<c>&lt;f8</c>).</summary>
    Float64,
}

/// <summary>The parsed header of a .npy file: a 2-D (or 1-D = one row) C-order float array.</summary>
/// <param name="DType">Element type.</param>
/// <param name="Rows">First dimension (1 for a 1-D array).</param>
/// <param name="Cols">Second dimension (the length of a 1-D array).</param>
/// <param name="DataOffset">Byte offset of the first element.</param>
public sealed record NpyHeader(NpyDType DType, long Rows, int Cols, long DataOffset)
{
    /// <summary>Bytes per element.</summary>
    public int ElementSize => DType == NpyDType.Float32 ? 4 : 8;
}

/// <summary>
/// Reads NumPy .npy files (format versions 1–3): 2-D float32/float64 arrays in C order. Fortran order,
/// big-endian data, other dtypes and arrays of more than two dimensions are refused with an
/// <see cref="InvalidDataException"/> that names the file and the rule (one line; the file's bytes are never
/// quoted). A missing file is a <see cref="FileNotFoundException"/>; a row range outside the file or a block over
/// <see cref="BlockLimits"/> an <see cref="ArgumentException"/>.
/// </summary>
public static partial class NpyReader
{
    /// <summary>Largest header accepted (NumPy writes a few hundred bytes; version 2/3 headers could claim 4 GiB).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Parses the header of <paramref name="path"/>.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using var stream = LoaderFile.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads rows [firstRow, firstRow + count) as float32 (float64 files are rounded).</summary>
    public static float[] ReadRows(string path, long firstRow, int count)
    {
        using var stream = LoaderFile.OpenRead(path);
        var header = ReadHeader(stream, path);
        CheckRange(header, firstRow, count, path);
        var n = BlockLimits.CheckedElements(count, header.Cols, path);
        var result = new float[n];
        stream.Seek(header.DataOffset + firstRow * header.Cols * header.ElementSize, SeekOrigin.Begin);
        if (header.DType == NpyDType.Float32)
        {
            ReadExactly(stream, System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()), path);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        }
        else
        {
            var tmp = ReadDoubles(stream, n, path);
            for (var i = 0; i < n; i++) result[i] = (float)tmp[i];
        }
        return result;
    }

    /// <summary>Reads the whole file as float32.</summary>
    public static float[] ReadAll(string path, out int rows, out int cols)
    {
        var header = ReadHeader(path);
        rows = CheckRowCount(header.Rows, path);
        cols = header.Cols;
        return ReadRows(path, 0, rows);
    }

    /// <summary>Reads the whole file as float64 (float32 files are widened exactly).</summary>
    public static double[] ReadAllDouble(string path, out int rows, out int cols)
    {
        using var stream = LoaderFile.OpenRead(path);
        var header = ReadHeader(stream, path);
        rows = CheckRowCount(header.Rows, path);
        cols = header.Cols;
        var n = BlockLimits.CheckedElements(rows, cols, path);
        stream.Seek(header.DataOffset, SeekOrigin.Begin);
        if (header.DType == NpyDType.Float64) return ReadDoubles(stream, n, path);
        var f = new float[n];
        ReadExactly(stream, System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan()), path);
        var result = new double[n];
        for (var i = 0; i < n; i++) result[i] = f[i];
        return result;
    }

    internal static NpyHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> pre = stackalloc byte[10];
        if (stream.ReadAtLeast(pre, 10, throwOnEndOfStream: false) < 10 || !pre[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a .npy file (missing \\x93NUMPY magic)");
        var major = pre[6];
        int headerLen;
        long prefix;
        if (major == 1)
        {
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
            prefix = 10;
        }
        else if (major is 2 or 3)
        {
            Span<byte> two = stackalloc byte[2];
            ReadExactly(stream, two, path);
            var claimed = BinaryPrimitives.ReadUInt32LittleEndian([pre[8], pre[9], two[0], two[1]]);
            if (claimed > MaxHeaderBytes)
                throw new InvalidDataException($"{path}: .npy header length {claimed} exceeds the limit of {MaxHeaderBytes} bytes");
            headerLen = (int)claimed;
            prefix = 12;
        }
        else
        {
            throw new InvalidDataException($"{path}: unsupported .npy format version {major}");
        }
        var raw = new byte[headerLen];
        ReadExactly(stream, raw, path);
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(raw);

        var descr = DescrPattern().Match(text);
        if (!descr.Success) throw new InvalidDataException($"{path}: .npy header has no 'descr'");
        var dtype = descr.Groups[1].Value switch
        {
            "<f4" or "=f4" => NpyDType.Float32,
            "<f8" or "=f8" => NpyDType.Float64,
            var d => throw new InvalidDataException($"{path}: dtype {(DTypeToken().IsMatch(d) ? $"'{d}'" : "(unreadable)")} is not supported; only little-endian float32 ('<f4') or float64 ('<f8')"),
        };
        var fortran = FortranPattern().Match(text);
        if (!fortran.Success) throw new InvalidDataException($"{path}: .npy header has no 'fortran_order'");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{path}: fortran_order arrays are not supported; save with C order (np.ascontiguousarray)");
        var shape = ShapePattern().Match(text);
        if (!shape.Success) throw new InvalidDataException($"{path}: .npy header has no 'shape'");
        var parts = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dims = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dims[i]))
                throw new InvalidDataException($"{path}: .npy shape entry {i + 1} is not a non-negative integer below 2^63");
        }
        var (rows, cols) = dims.Length switch
        {
            1 => (1L, dims[0]),
            2 => (dims[0], dims[1]),
            _ => throw new InvalidDataException($"{path}: shape has {dims.Length} dimensions; a 2-D array (rows × dim) is required"),
        };
        if (cols < 1 || cols > int.MaxValue)
            throw new InvalidDataException($"{path}: dim {cols} must be in 1..{int.MaxValue}");
        var header = new NpyHeader(dtype, rows, (int)cols, prefix + headerLen);
        if ((UInt128)(ulong)rows * (ulong)cols * (ulong)header.ElementSize > (UInt128)(long.MaxValue - header.DataOffset))
            throw new InvalidDataException($"{path}: shape ({rows}, {cols}) describes more data than a file can hold");
        var needed = header.DataOffset + rows * cols * header.ElementSize;
        if (stream.CanSeek && stream.Length < needed)
            throw new InvalidDataException($"{path}: file is truncated ({stream.Length} bytes, shape needs {needed})");
        return header;
    }

    private static void CheckRange(NpyHeader header, long firstRow, int count, string path)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > header.Rows)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"{path}: rows [{firstRow}, {firstRow + count}) are outside the file's {header.Rows} rows");
    }

    private static int CheckRowCount(long rows, string path) =>
        rows <= int.MaxValue ? (int)rows : throw new ArgumentException($"{path}: {rows} rows exceed one in-memory block; read it in row ranges");

    private static double[] ReadDoubles(Stream stream, int n, string path)
    {
        var result = new double[n];
        ReadExactly(stream, System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()), path);
        return result;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
            throw new InvalidDataException($"{path}: file is truncated");
    }

    // \z, not $: $ also matches before a final newline, and a dtype "<f\n" was echoed as a two-line error.
    [GeneratedRegex(@"^[<>=|]?[a-zA-Z][0-9]{0,2}\z")]
    private static partial Regex DTypeToken();

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
