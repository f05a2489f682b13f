using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Hfy.Kernels.Storage;

/// <summary>Writes 2-D C-order .npy files (format 1.0), float32 or float64.</summary>
public static class NpyWriter
{
    /// <summary>Writes rows × cols float32 values.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int rows, int cols)
    {
        Check(data.Length, rows, cols);
        using var stream = File.Create(path);
        WriteHeader(stream, "<f4", rows, cols);
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes rows × cols float64 values.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, int rows, int cols)
    {
        Check(data.Length, rows, cols);
        using var stream = File.Create(path);
        WriteHeader(stream, "<f8", rows, cols);
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    private static void Check(int length, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != length)
            throw new ArgumentException($"data has {length} values, expected rows × cols = {(long)rows * cols}", nameof(rows));
    }

    /// <summary>Writes a format-1.0 header for a rows × cols C-order array of <paramref name="descr"/> (e.g. &lt;f4); the data follows.</summary>
    public static void WriteHeader(Stream stream, string descr, long rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
        // Pad so that the data starts on a 64-byte boundary, as numpy does.
        var total = 10 + dict.Length + 1;
        var pad = (64 - total % 64) % 64;
        var header = dict + new string(' ', pad) + "\n";
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> len = stackalloc byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.Latin1.GetBytes(header));
    }
}
