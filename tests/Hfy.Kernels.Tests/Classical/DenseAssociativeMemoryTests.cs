using Hfy.Kernels.Classical;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Classical;

public class DenseAssociativeMemoryTests
{
    private static float[] Patterns(int n, int dim, ulong seed)
    {
        var x = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Binary, seed, dim, 0, x);
        return x;
    }

    [Theory]
    [InlineData(DamFunction.Polynomial, 3)]
    [InlineData(DamFunction.Exponential, 0)]
    public void BeyondClassicalCapacity_PatternsAreStillRetrieved(DamFunction f, int degree)
    {
        const int dim = 40, n = 20; // 20 = 0.5 D, far beyond the classical 0.138 D
        var x = Patterns(n, dim, 7);
        var dam = new DenseAssociativeMemory(x, n, dim, f, degree);
        for (var i = 0; i < n; i++)
        {
            var s = x.AsSpan(i * dim, dim).ToArray();
            s[0] = -s[0];
            s[7] = -s[7];
            dam.Run(s, 10, seed: 1);
            Assert.Equal(x.AsSpan(i * dim, dim).ToArray(), s);
        }
    }

    [Fact]
    public void ClassicalNetwork_AtTheSameLoad_FailsWhereDamSucceeds()
    {
        const int dim = 40, n = 20;
        var x = Patterns(n, dim, 7);
        var net = new ClassicalHopfield(x, n, dim);
        var failures = 0;
        for (var i = 0; i < n; i++)
        {
            var s = x.AsSpan(i * dim, dim).ToArray();
            net.Run(s, 10);
            if (!s.AsSpan().SequenceEqual(x.AsSpan(i * dim, dim))) failures++;
        }
        Assert.True(failures > 0);
    }

    [Theory]
    [InlineData(DamFunction.Polynomial, 2)]
    [InlineData(DamFunction.Polynomial, 5)]
    [InlineData(DamFunction.Exponential, 0)]
    public void AsyncUpdates_NeverIncreaseEnergy(DamFunction f, int degree)
    {
        const int dim = 16, n = 40;
        var x = Patterns(n, dim, 8);
        var dam = new DenseAssociativeMemory(x, n, dim, f, degree);
        var s = Patterns(1, dim, 9);
        var previous = dam.Energy(s);
        for (var sweep = 0; sweep < 5; sweep++)
        {
            for (var j = 0; j < dim; j++)
            {
                dam.UpdateAsync(s, [j]);
                var e = dam.Energy(s);
                Assert.True(e <= previous + 1e-9 * Math.Abs(previous), $"energy rose from {previous} to {e}");
                previous = e;
            }
        }
    }

    [Fact]
    public void Polynomial2_UpdateEqualsClassicalSignRule()
    {
        // F(x) = x²: F(x_ij + r) − F(−x_ij + r) = 4 x_ij r, the classical field without the diagonal.
        const int dim = 30, n = 4;
        var x = Patterns(n, dim, 10);
        var dam = new DenseAssociativeMemory(x, n, dim, DamFunction.Polynomial, 2);
        var s = Patterns(1, dim, 11);
        var expected = s.ToArray();
        for (var j = 0; j < dim; j++)
        {
            var h = 0.0;
            for (var i = 0; i < n; i++)
            {
                var rest = 0.0;
                for (var l = 0; l < dim; l++) if (l != j) rest += x[i * dim + l] * s[l];
                h += x[i * dim + j] * rest;
            }
            expected[j] = h > 0 ? 1 : h < 0 ? -1 : s[j];
        }
        dam.UpdateSync(s);
        Assert.Equal(expected, s);
    }
}
