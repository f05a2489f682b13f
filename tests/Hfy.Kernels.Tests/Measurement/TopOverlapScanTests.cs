using Hfy.Kernels.Measurement;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Measurement;

public class TopOverlapScanTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Scan_EqualsBruteForceTopTwo_ForAnyBlockSize(int blockRows)
    {
        var spec = new BankSpec("s", 1000, 9, BankSourceKind.Gaussian, 5);
        var bank = BankSources.Load(spec);
        var v = new double[3 * 9];
        for (var k = 0; k < v.Length; k++) v[k] = CounterRng.Gaussian(77, 0, (ulong)k);
        var top = TopOverlapScan.Scan(new BankSpecRowSource(spec), v, 3, blockRows);
        for (var j = 0; j < 3; j++)
        {
            var dots = Enumerable.Range(0, 1000).Select(i =>
            {
                var d = 0.0;
                for (var k = 0; k < 9; k++) d += (double)bank.Data[i * 9 + k] * v[j * 9 + k];
                return (Row: i, Dot: d);
            }).OrderByDescending(x => x.Dot).ToArray();
            Assert.Equal(dots[0].Row, top[j].Best);
            Assert.Equal(dots[1].Row, top[j].Second);
            Assert.Equal(dots[0].Dot, top[j].BestValue, 12);
            Assert.Equal(dots[1].Dot, top[j].SecondValue, 12);
            Assert.Equal(dots[1].Dot, top[j].MaxExcluding(dots[0].Row), 12);
            Assert.Equal(dots[0].Dot, top[j].MaxExcluding(dots[1].Row), 12);
        }
    }

    [Fact]
    public void Scan_InMemoryAndRegenerated_Agree()
    {
        var spec = new BankSpec("s", 333, 4, BankSourceKind.Sphere, 9);
        var v = new double[] { 1, 0, 0, 0, 0.5, 0.5, -0.5, 0.5 };
        var a = TopOverlapScan.Scan(new BankSpecRowSource(spec), v, 2, 50);
        var b = TopOverlapScan.Scan(new InMemoryRowSource(BankSources.Load(spec)), v, 2, 64);
        Assert.Equal(a, b);
    }

    /// <summary>The fused store scan (float32 tile scores as a filter, exact float64 dots for the survivors) against the row-source scan and brute force, ties included.</summary>
    [Theory]
    [InlineData(BankSourceKind.Sphere, RowNormalization.None, 5000, 40, 37)]
    [InlineData(BankSourceKind.Gaussian, RowNormalization.L2, 3001, 9, 5)]
    [InlineData(BankSourceKind.Binary, RowNormalization.None, 2000, 33, 70)]
    [InlineData(BankSourceKind.Sphere, RowNormalization.None, 1, 8, 3)]
    public void StoreScan_EqualsRowSourceScanAndBruteForce(BankSourceKind source, RowNormalization normalization, int rows, int dim, int count)
    {
        var spec = new BankSpec("f", rows, dim, source, 13, Normalization: normalization);
        var bank = BankSources.Load(spec);
        // Vectors: stored rows (self-overlap is the max), noisy rows, and random directions; a copy of row 0 makes a tie.
        var v = new double[count * dim];
        for (var j = 0; j < count; j++)
        {
            var row = bank.Row((j * 131) % rows);
            for (var k = 0; k < dim; k++) v[j * dim + k] = (j % 3) switch
            {
                0 => row[k],
                1 => row[k] + 0.3 * CounterRng.Gaussian(5, (ulong)j, (ulong)k),
                _ => CounterRng.Gaussian(6, (ulong)j, (ulong)k),
            };
        }

        var procedural = BankSources.OpenStore(spec with { Storage = BankStorage.Procedural });
        var fused = TopOverlapScan.Scan(procedural, v, count);
        var rowSource = TopOverlapScan.Scan(new BankSpecRowSource(spec), v, count);
        Assert.Equal(rowSource, fused);
        for (var j = 0; j < count; j++)
        {
            var dots = Enumerable.Range(0, rows).Select(i =>
            {
                var d = 0.0;
                for (var k = 0; k < dim; k++) d += (double)bank.Data[i * dim + k] * v[j * dim + k];
                return (Row: i, Dot: d);
            }).OrderByDescending(x => x.Dot).ThenBy(x => x.Row).ToArray();
            Assert.Equal(dots[0].Row, fused[j].Best);
            Assert.Equal(dots[0].Dot, fused[j].BestValue, 10);
            if (rows > 1) Assert.Equal(dots[1].Dot, fused[j].SecondValue, 10);
        }

        if (rows < 2) return;
        var tied = new float[bank.Data.Length];
        bank.Data.CopyTo(tied, 0);
        bank.Row(0).CopyTo(tied.AsSpan((rows - 1) * dim, dim));
        var tiedBank = new Bank(tied, rows, dim);
        Assert.Equal(TopOverlapScan.Scan(new InMemoryRowSource(tiedBank), v, count), TopOverlapScan.Scan(tiedBank, v, count));
    }

    [Fact]
    public void TopTwo_TiesGoToTheLowerRow()
    {
        var t = TopTwo.Empty.With(5, 1.0).With(3, 1.0).With(9, 1.0);
        Assert.Equal(3, t.Best);
        Assert.Equal(5, t.Second);
    }
}
