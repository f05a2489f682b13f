using System.IO.Compression;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class IdxReaderTests
{
    private static byte[] IdxImages(byte[] pixels, int count, int h, int w)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, 0x08, 3]);
        foreach (var d in new[] { count, h, w }) ms.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        ms.Write(pixels);
        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UbyteImages_AreFlattenedAndScaledToMinusOneOne(bool gzipped)
    {
        using var dir = new TempDir();
        var path = dir.File(gzipped ? "img.gz" : "img");
        var pixels = Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 23)).ToArray();
        pixels[0] = 0;
        pixels[1] = 255;
        var raw = IdxImages(pixels, 3, 2, 2);
        File.WriteAllBytes(path, gzipped ? Gzip(raw) : raw);

        var header = IdxReader.ReadHeader(path);
        Assert.Equal((3L, 4), (header.Rows, header.Cols));
        var rows = IdxReader.ReadAll(path, out var n, out var d);
        Assert.Equal((3, 4), (n, d));
        Assert.Equal(-1f, rows[0]);
        Assert.Equal(1f, rows[1]);
        for (var i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 127.5 - 1, rows[i], 1e-6);
        Assert.Equal(rows.AsSpan(8, 4).ToArray(), IdxReader.ReadRows(path, 2, 1));
    }

    [Fact]
    public void LabelFile_ReadsBytes()
    {
        using var dir = new TempDir();
        var path = dir.File("labels.gz");
        File.WriteAllBytes(path, Gzip([0, 0, 0x08, 1, 0, 0, 0, 4, 7, 2, 1, 0]));
        Assert.Equal(new byte[] { 7, 2, 1, 0 }, IdxReader.ReadLabels(path));
    }

    [Fact]
    public void UnsupportedType_IsRefusedWithTheRule()
    {
        using var dir = new TempDir();
        var path = dir.File("bad");
        File.WriteAllBytes(path, [0, 0, 0x0B, 1, 0, 0, 0, 1, 0, 0]);
        Assert.Contains("0x0B", Assert.Throws<InvalidDataException>(() => IdxReader.ReadHeader(path)).Message);
    }

    [Fact]
    public void TruncatedImages_AreRefused()
    {
        using var dir = new TempDir();
        var path = dir.File("short");
        File.WriteAllBytes(path, IdxImages(new byte[5], 2, 2, 2)); // 8 pixels declared, 5 present
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdxReader.ReadAll(path, out _, out _)).Message);
    }
}
