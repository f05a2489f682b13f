using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class BankSourcesTests
{
    [Fact]
    public void GeneratedBank_Load_EqualsFill()
    {
        var spec = new BankSpec("g", 9, 5, BankSourceKind.Gaussian, Seed: 5);
        var bank = BankSources.Load(spec);
        var expected = new float[45];
        BankGenerator.Fill(BankSourceKind.Gaussian, 5, 5, 0, expected);
        Assert.Equal(expected, bank.Data);
        Assert.Equal(expected.AsSpan(20, 10).ToArray(), BankSources.ReadRows(spec, 4, 2));
    }

    [Fact]
    public void FileBank_HonoursOffset_AndAppliesL2Normalization()
    {
        using var dir = new TempDir();
        var path = dir.File("b.npy");
        NpyWriter.Write(path, new float[] { 1, 0, 3, 4, 0, 2, 5, 5 }, 4, 2);
        var spec = new BankSpec("f", 2, 2, BankSourceKind.Npy, Path: path, Offset: 1, Normalization: RowNormalization.L2);
        var rows = BankSources.ReadRows(spec, 0, 2);
        Assert.Equal(new[] { 0.6f, 0.8f, 0f, 1f }, rows);
    }

    [Fact]
    public void FileBank_WithWrongDim_NamesDim()
    {
        using var dir = new TempDir();
        var path = dir.File("c.csv");
        File.WriteAllText(path, "1,2,3\n4,5,6\n");
        var ex = Assert.Throws<ArgumentException>(() => BankSources.Load(new BankSpec("c", 2, 4, BankSourceKind.Csv, Path: path)));
        Assert.StartsWith("dim:", ex.Message);
    }

    [Fact]
    public void IdxBank_ReadsImagesAsRows()
    {
        using var dir = new TempDir();
        var path = dir.File("i");
        File.WriteAllBytes(path, [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 255, 51, 102, 153, 204]);
        var bank = BankSources.Load(new BankSpec("i", 2, 3, BankSourceKind.Idx, Path: path));
        Assert.Equal(new[] { -1f, 1f, -0.6f, -0.2f, 0.2f, 0.6f }, bank.Data.Select(v => MathF.Round(v, 5)).ToArray());
    }

    [Fact]
    public void BankBeyondOneBlock_IsRefusedClearly()
    {
        var spec = new BankSpec("huge", 3_000_000_000L, 64, BankSourceKind.Sphere);
        var ex = Assert.Throws<ArgumentException>(() => BankSources.Load(spec));
        Assert.Contains("exceed", ex.Message);
        Assert.Contains("partitions", ex.Message);
    }

    [Fact]
    public void MissingFile_NamesThePath()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => BankSources.Load(new BankSpec("m", 1, 1, BankSourceKind.Npy, Path: "/nonexistent/x.npy")));
        Assert.Contains("/nonexistent/x.npy", ex.Message);
    }

    [Fact]
    public void RangeOutsideBank_IsRefused()
    {
        var spec = new BankSpec("g", 4, 2, BankSourceKind.Binary);
        Assert.Throws<ArgumentOutOfRangeException>(() => BankSources.ReadRows(spec, 3, 2));
    }
}
