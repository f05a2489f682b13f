using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class BankGeneratorTests
{
    [Theory]
    [InlineData(BankSourceKind.Gaussian)]
    [InlineData(BankSourceKind.Sphere)]
    [InlineData(BankSourceKind.Binary)]
    public void Fill_RowsOfAnyRange_EqualTheSameRowsReadAlone(BankSourceKind kind)
    {
        const int dim = 7;
        var whole = new float[10 * dim];
        BankGenerator.Fill(kind, 42, dim, 0, whole);
        var tail = new float[5 * dim];
        BankGenerator.Fill(kind, 42, dim, 5, tail);
        Assert.Equal(whole.AsSpan(5 * dim).ToArray(), tail);
        for (var i = 0; i < 10; i++)
        {
            var one = new float[dim];
            BankGenerator.Fill(kind, 42, dim, i, one);
            Assert.Equal(whole.AsSpan(i * dim, dim).ToArray(), one);
        }
    }

    [Fact]
    public void Fill_WithDifferentSeeds_GivesDifferentRows()
    {
        var a = new float[16];
        var b = new float[16];
        BankGenerator.Fill(BankSourceKind.Gaussian, 1, 16, 0, a);
        BankGenerator.Fill(BankSourceKind.Gaussian, 2, 16, 0, b);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Sphere_Rows_HaveUnitNorm()
    {
        const int dim = 33;
        var rows = new float[200 * dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 7, dim, 1000, rows);
        for (var i = 0; i < 200; i++)
        {
            var ss = 0.0;
            for (var j = 0; j < dim; j++) ss += (double)rows[i * dim + j] * rows[i * dim + j];
            Assert.Equal(1.0, Math.Sqrt(ss), 1e-6);
        }
    }

    [Fact]
    public void Binary_Entries_ArePlusOrMinusOneAndBalanced()
    {
        var rows = new float[20000];
        BankGenerator.Fill(BankSourceKind.Binary, 3, 100, 0, rows);
        Assert.All(rows, v => Assert.True(v is 1f or -1f));
        Assert.InRange(rows.Average(v => (double)v), -0.03, 0.03);
    }

    [Fact]
    public void Gaussian_Entries_HaveZeroMeanAndUnitVariance()
    {
        var rows = new float[200_000];
        BankGenerator.Fill(BankSourceKind.Gaussian, 11, 50, 0, rows);
        var mean = rows.Average(v => (double)v);
        var variance = rows.Average(v => ((double)v - mean) * ((double)v - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        // Tail mass beyond 2σ of a standard normal is 4.55%.
        Assert.InRange(rows.Count(v => Math.Abs(v) > 2) / (double)rows.Length, 0.043, 0.048);
    }

    [Fact]
    public void Fill_OfPartialRow_NamesDest()
    {
        var ex = Assert.Throws<ArgumentException>(() => BankGenerator.Fill(BankSourceKind.Gaussian, 1, 4, 0, new float[6]));
        Assert.Equal("dest", ex.ParamName);
    }
}
