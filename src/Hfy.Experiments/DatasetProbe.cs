using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Hfy.Experiments;

/// <summary>Reads only the shape (rows, dimension) of a pattern file, so a spec is checked before any bank is built.</summary>
public static partial class DatasetProbe
{
    /// <summary>How to get the Fashion-MNIST IDX files the example specs use.</summary>
    public const string FashionMnistHint =
        "install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); `dpkg -L dataset-fashion-mnist` lists its IDX files";

    /// <summary>The shape of an IDX (optionally gzipped), .npy or CSV file.</summary>
    /// <exception cref="InvalidDataException">The header is not readable.</exception>
    public static (long Rows, int Dim) Shape(string source, string path)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(path);
        return source switch
        {
            "idx" => IdxShape(path),
            "npy" => NpyShape(path),
            "csv" => CsvShape(path),
            _ => throw new ArgumentException($"not a file source: {source}", nameof(source)),
        };
    }

    private static Stream OpenMaybeGzip(string path)
    {
        var fs = File.OpenRead(path);
        var b0 = fs.ReadByte();
        var b1 = fs.ReadByte();
        fs.Position = 0;
        return b0 == 0x1f && b1 == 0x8b ? new GZipStream(fs, CompressionMode.Decompress) : fs;
    }

    private static (long, int) IdxShape(string path)
    {
        using var s = OpenMaybeGzip(path);
        Span<byte> head = stackalloc byte[4];
        s.ReadExactly(head);
        if (head[0] != 0 || head[1] != 0) throw new InvalidDataException("not an IDX file (magic number)");
        int ndim = head[3];
        if (ndim < 1) throw new InvalidDataException("IDX file with 0 dimensions");
        var dims = new int[ndim];
        Span<byte> d = stackalloc byte[4];
        for (var i = 0; i < ndim; i++)
        {
            s.ReadExactly(d);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(d);
        }
        long dim = 1;
        for (var i = 1; i < ndim; i++) dim *= dims[i];
        return (dims[0], checked((int)dim));
    }

    private static (long, int) NpyShape(string path)
    {
        using var s = File.OpenRead(path);
        var magic = new byte[10];
        s.ReadExactly(magic);
        if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY") throw new InvalidDataException("not a .npy file");
        int headerLen;
        if (magic[6] == 1) headerLen = BinaryPrimitives.ReadUInt16LittleEndian(magic.AsSpan(8));
        else
        {
            var extra = new byte[2];
            s.ReadExactly(extra);
            headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian([magic[8], magic[9], extra[0], extra[1]]);
        }
        var header = new byte[headerLen];
        s.ReadExactly(header);
        var m = ShapeRegex().Match(Encoding.ASCII.GetString(header));
        if (!m.Success) throw new InvalidDataException(".npy header has no 2-D shape");
        return (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (long, int) CsvShape(string path)
    {
        long rows = 0;
        var dim = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (rows == 0) dim = line.Split(',').Length;
            rows++;
        }
        return (rows, dim);
    }

    [GeneratedRegex(@"'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")]
    private static partial Regex ShapeRegex();
}
