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

    [Fact]
    public void TopTwo_TiesGoToTheLowerRow()
    {
        var t = TopTwo.Empty.With(5, 1.0).With(3, 1.0).With(9, 1.0);
        Assert.Equal(3, t.Best);
        Assert.Equal(5, t.Second);
    }
}
