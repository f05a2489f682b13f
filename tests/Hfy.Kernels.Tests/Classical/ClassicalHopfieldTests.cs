using Hfy.Kernels.Classical;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Classical;

public class ClassicalHopfieldTests
{
    private static float[] Patterns(int n, int dim, ulong seed)
    {
        var x = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Binary, seed, dim, 0, x);
        return x;
    }

    private static float[] Corrupt(ReadOnlySpan<float> pattern, int flips, ulong seed)
    {
        var s = pattern.ToArray();
        var order = Enumerable.Range(0, s.Length).OrderBy(j => CounterRng.Bits(seed, 0, (ulong)j)).Take(flips);
        foreach (var j in order) s[j] = -s[j];
        return s;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FewPatterns_AreRetrievedFromCorruptedProbes(bool synchronous)
    {
        const int dim = 200, n = 5; // 5 ≪ 0.138 · 200
        var x = Patterns(n, dim, 1);
        var net = new ClassicalHopfield(x, n, dim);
        Assert.False(net.FormsWeightMatrix);
        for (var i = 0; i < n; i++)
        {
            var s = Corrupt(x.AsSpan(i * dim, dim), 20, (ulong)i + 10);
            net.Run(s, 20, synchronous, seed: 3);
            Assert.Equal(x.AsSpan(i * dim, dim).ToArray(), s);
        }
    }

    [Fact]
    public void AsyncUpdates_NeverIncreaseEnergy_EvenBeyondCapacity()
    {
        const int dim = 60, n = 30; // far beyond 0.138 D: spurious states, energy must still descend
        var x = Patterns(n, dim, 2);
        var net = new ClassicalHopfield(x, n, dim);
        var s = Patterns(1, dim, 99);
        var order = Enumerable.Range(0, dim).ToArray();
        var previous = net.Energy(s);
        for (var sweep = 0; sweep < 10; sweep++)
        {
            foreach (var j in order)
            {
                net.UpdateAsync(s, [j]);
                var e = net.Energy(s);
                Assert.True(e <= previous + 1e-9, $"energy rose from {previous} to {e}");
                previous = e;
            }
        }
    }

    [Fact]
    public void FieldWithoutWeightMatrix_EqualsFieldWithIt()
    {
        const int dim = 12;
        var few = Patterns(5, dim, 4);   // N < D: factored
        var many = Patterns(20, dim, 4); // N ≥ D: W formed; its first 5 rows equal `few`
        var s = Patterns(1, dim, 5);
        var factored = new ClassicalHopfield(few, 5, dim);
        var formed = new ClassicalHopfield(many, 20, dim);
        Assert.True(formed.FormsWeightMatrix);
        var h1 = new double[dim];
        var h2 = new double[dim];
        factored.Field(s, h1);
        formed.Field(s, h2);
        var expected1 = new double[dim];
        var expected2 = new double[dim];
        for (var a = 0; a < dim; a++)
        {
            for (var b = 0; b < dim; b++)
            {
                double w1 = 0, w2 = 0;
                for (var i = 0; i < 20; i++)
                {
                    var wi = (double)many[i * dim + a] * many[i * dim + b];
                    w2 += wi;
                    if (i < 5) w1 += wi;
                }
                expected1[a] += w1 * s[b];
                expected2[a] += w2 * s[b];
            }
        }
        Assert.Equal(expected1, h1);
        Assert.Equal(expected2, h2);
    }

    [Fact]
    public void Energy_IsMinusHalfSumOfSquaredOverlaps()
    {
        var net = new ClassicalHopfield([1, 1, -1, 1, -1, 1], 2, 3);
        // overlaps with s = (1,1,1): 1 and 1 → E = −1
        Assert.Equal(-1.0, net.Energy([1, 1, 1]));
        Assert.Equal(-5.0, net.Energy([1, 1, -1])); // overlaps 3 and −1
    }
}
