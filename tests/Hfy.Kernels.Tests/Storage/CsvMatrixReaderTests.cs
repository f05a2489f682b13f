using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class CsvMatrixReaderTests
{
    [Fact]
    public void NumericRows_WithHeaderCommentsAndBlankLines_AreRead()
    {
        using var dir = new TempDir();
        var path = dir.File("m.csv");
        File.WriteAllText(path, "a,b,c\n# comment\n1,2,3\n\n-4.5, 5e-1 ,6\n");
        var data = CsvMatrixReader.ReadAllDouble(path, out var rows, out var cols);
        Assert.Equal((2, 3), (rows, cols));
        Assert.Equal(new[] { 1, 2, 3, -4.5, 0.5, 6 }, data);
        Assert.Equal(new[] { -4.5f, 0.5f, 6f }, CsvMatrixReader.ReadRows(path, 1, 1));
    }

    [Fact]
    public void RaggedRow_NamesTheLine()
    {
        using var dir = new TempDir();
        var path = dir.File("r.csv");
        File.WriteAllText(path, "1,2,3\n4,5,6\n7,8\n");
        var ex = Assert.Throws<InvalidDataException>(() => CsvMatrixReader.ReadAll(path, out _, out _));
        Assert.Contains("line 3", ex.Message);
        Assert.Contains("ragged", ex.Message);
    }

    [Fact]
    public void NonNumericToken_NamesLineAndColumn_ButNotTheText()
    {
        using var dir = new TempDir();
        var path = dir.File("n.csv");
        File.WriteAllText(path, "1,2\n3,x\n");
        var ex = Assert.Throws<InvalidDataException>(() => CsvMatrixReader.ReadAll(path, out _, out _));
        Assert.Equal($"{path}: line 2, column 2 is not a number", ex.Message);
    }
}
