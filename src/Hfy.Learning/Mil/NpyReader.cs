using System.Buffers.Binary;
using System.Text;

namespace Hfy.Learning.Mil;

/// <summary>
/// Reads the NumPy <c>.npy</c> files of data/mil (format 1.0/2.0, little-endian, C order, no pickles):
/// <c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;i4</c>, <c>&lt;i8</c>, <c>|i1</c>, <c>|u1</c>, returned as float64 with the shape.
/// </summary>
public static class NpyReader
{
    /// <summary>The values (row-major) and the shape.</summary>
    /// <exception cref="InvalidDataException">The file is not a supported .npy file (message names the file and the reason).</exception>
    public static (double[] Values, int[] Shape) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path}: not a .npy file (magic \\x93NUMPY missing)");
        }

        int major = bytes[6], headerLength, offset;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            offset = 10;
        }
        else
        {
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            offset = 12;
        }

        var header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        var descr = Field(header, "descr", path).Trim('\'', '"', ' ');
        if (Field(header, "fortran_order", path).Trim() != "False")
        {
            throw new InvalidDataException($"{path}: fortran_order must be False");
        }

        var shapeText = Field(header, "shape", path).Trim().TrimStart('(').TrimEnd(')');
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var count = shape.Aggregate(1, (a, b) => checked(a * b));
        var data = bytes.AsSpan(offset + headerLength);
        var size = descr switch
        {
            "<f4" or "<i4" => 4,
            "<f8" or "<i8" => 8,
            "|i1" or "|u1" => 1,
            _ => throw new InvalidDataException($"{path}: dtype {descr} is not supported (<f4, <f8, <i4, <i8, |i1, |u1)"),
        };
        if (data.Length < count * size)
        {
            throw new InvalidDataException($"{path}: truncated ({data.Length} data bytes, shape needs {count * size})");
        }

        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]),
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]),
                "|i1" => (sbyte)data[i],
                _ => data[i],
            };
        }

        return (values, shape);
    }

    private static string Field(string header, string key, string path)
    {
        var start = header.IndexOf($"'{key}':", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidDataException($"{path}: header has no '{key}'");
        }

        start += key.Length + 3;
        var end = header[start..].TrimStart().StartsWith('(') ? header.IndexOf(')', start) + 1 : header.IndexOf(',', start);
        return header[start..end];
    }
}
