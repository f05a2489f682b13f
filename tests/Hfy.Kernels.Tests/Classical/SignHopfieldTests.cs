using Hfy.Kernels.Classical;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Classical;

public class SignHopfieldTests
{
    private static float[] Patterns(int n, int dim, ulong seed)
    {
        var x = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Binary, seed, dim, 0, x);
        return x;
    }

    private static double[] Widen(ReadOnlySpan<float> v)
    {
        var d = new double[v.Length];
        for (var j = 0; j < v.Length; j++) d[j] = v[j];
        return d;
    }

    private static double[] Corrupt(ReadOnlySpan<float> pattern, int flips, ulong seed)
    {
        var s = Widen(pattern);
        var order = Enumerable.Range(0, s.Length).OrderBy(j => CounterRng.Bits(seed, 0, (ulong)j)).Take(flips);
        foreach (var j in order) s[j] = -s[j];
        return s;
    }

    [Fact]
    public void FewPatterns_AreRetrievedFromCorruptedProbes()
    {
        const int dim = 200, n = 5; // 5 ≪ 0.138 · 200
        var x = Patterns(n, dim, 1);
        for (var i = 0; i < n; i++)
        {
            var s = Corrupt(x.AsSpan(i * dim, dim), 20, (ulong)i + 10);
            SignHopfield.Run(x, dim, s, 20);
            Assert.Equal(Widen(x.AsSpan(i * dim, dim)), s);
        }
    }

    [Fact]
    public void BeyondClassicalCapacity_StoredPatternsAreNotAllFixedPoints()
    {
        const int dim = 40, n = 20; // 20 = 0.5 D, far beyond the classical 0.138 D
        var x = Patterns(n, dim, 7);
        var failures = 0;
        for (var i = 0; i < n; i++)
        {
            var s = Widen(x.AsSpan(i * dim, dim));
            SignHopfield.Run(x, dim, s, 10);
            if (!s.AsSpan().SequenceEqual(Widen(x.AsSpan(i * dim, dim)))) failures++;
        }
        Assert.True(failures > 0);
    }

    [Fact]
    public void Step_IsTheSignRuleWithoutTheDiagonal()
    {
        // h_j = Σ_i x_ij Σ_{l≠j} x_il s_l, computed by brute force; a zero field keeps the unit.
        const int dim = 30, n = 4;
        var x = Patterns(n, dim, 10);
        var s = Widen(Patterns(1, dim, 11));
        var expected = s.ToArray();
        var changed = 0;
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
            if (expected[j] != s[j]) changed++;
        }
        Assert.Equal(changed, SignHopfield.Step(x, dim, s, new double[dim]));
        Assert.Equal(expected, s);
    }

    [Fact]
    public void Run_CountsTheStepsUpToTheFirstWithoutChange()
    {
        const int dim = 200, n = 5;
        var x = Patterns(n, dim, 1);
        var stored = Widen(x.AsSpan(0, dim));
        Assert.Equal(1, SignHopfield.Run(x, dim, stored, 20)); // a stored pattern below capacity is a fixed point
        Assert.Equal(0, SignHopfield.Run(x, dim, stored, 0));
    }

    [Fact]
    public void Step_RejectsAStateOfTheWrongLength()
    {
        var e = Assert.Throws<ArgumentException>(() => SignHopfield.Step(new float[6], 3, new double[2], new double[3]));
        Assert.Equal("s", e.ParamName);
    }
}
