using System.Text;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class NpyReaderTests
{
    [Fact]
    public void Float32_RoundTrips_AndReadsRowRanges()
    {
        using var dir = new TempDir();
        var path = dir.File("a.npy");
        var data = Enumerable.Range(0, 15).Select(i => i * 0.5f - 3).ToArray();
        NpyWriter.Write(path, data, 5, 3);
        var header = NpyReader.ReadHeader(path);
        Assert.Equal((NpyDType.Float32, 5L, 3), (header.DType, header.Rows, header.Cols));
        Assert.Equal(data, NpyReader.ReadAll(path, out var rows, out var cols));
        Assert.Equal((5, 3), (rows, cols));
        Assert.Equal(data.AsSpan(6, 6).ToArray(), NpyReader.ReadRows(path, 2, 2));
    }

    [Fact]
    public void Float64_RoundTrips_ExactlyAsDouble()
    {
        using var dir = new TempDir();
        var path = dir.File("b.npy");
        var data = new[] { 0.1, -2.5e-300, 1.0 / 3, double.NegativeInfinity };
        NpyWriter.Write(path, data, 2, 2);
        Assert.Equal(data, NpyReader.ReadAllDouble(path, out _, out _));
        Assert.Equal(data.Select(v => (float)v).ToArray(), NpyReader.ReadAll(path, out _, out _));
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "fortran_order")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", "dtype '<i4'")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "dtype '>f4'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 1), }", "3 dimensions")]
    public void UnsupportedLayouts_AreRefusedWithTheRule(string dict, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.npy");
        var header = dict.PadRight(118) + "\n";
        using (var s = File.Create(path))
        {
            s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            s.Write(Encoding.Latin1.GetBytes(header));
            s.Write(new byte[16]);
        }
        var ex = Assert.Throws<InvalidDataException>(() => NpyReader.ReadAll(path, out _, out _));
        Assert.Contains(expected, ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void TruncatedFile_IsRefused()
    {
        using var dir = new TempDir();
        var path = dir.File("t.npy");
        NpyWriter.Write(path, new float[12], 4, 3);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => NpyReader.ReadHeader(path)).Message);
    }

    [Fact]
    public void NotAnNpyFile_IsRefused()
    {
        using var dir = new TempDir();
        var path = dir.File("x.npy");
        File.WriteAllText(path, "hello world");
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => NpyReader.ReadHeader(path)).Message);
    }
}
