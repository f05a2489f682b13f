using System.Numerics;
using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class SoftmaxTests
{
    [Fact]
    public void Softmax_ConjugateIsLogSumExp()
    {
        var map = new Softmax();
        var rng = new Random(71);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 30);
            var p = Apply(map, theta);
            var conj = theta.Zip(p, (a, b) => a * b).Sum() - map.Regularizer(p);
            var max = theta.Max();
            Assert.Equal(max + Math.Log(theta.Sum(t => Math.Exp(t - max))), conj, 1e-10);
        }
    }

    [Fact]
    public void Softmax_ReturnsNoThreshold_AndIsNeverSparse()
    {
        var p = new double[3];
        Assert.True(double.IsNaN(new Softmax().Forward([0, 10, 30], p)));
        Assert.All(p, v => Assert.True(v > 0));
    }

    [Fact]
    public void Forward_WithMismatchedOutput_NamesP()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Softmax().Forward([1, 2], new double[3]));
        Assert.Equal("p", ex.ParamName);
        Assert.Throws<ArgumentException>(() => new Softmax().Forward([double.NaN, 1], new double[2]));
        Assert.Throws<ArgumentException>(() => new Softmax().Forward([double.PositiveInfinity, 1], new double[2]));
        Assert.Throws<ArgumentException>(() => new Sparsemax().Forward([double.NegativeInfinity], new double[1]));
        Assert.Throws<ArgumentException>(() => new Sparsemax().Forward([], []));
    }

    [Fact]
    public void Softmax_OfHundredThousandScores_EveryWeightWithinFourUlpsOfTheExactSoftmax()
    {
        // Reference: e^{θ_i − max} in 192-bit fixed point (θ − max exact there), Z = Σ exactly, p_i = E_i/Z;
        // the error of each double p_i is measured exactly, in units of its own ulp.
        const int N = 100_000;
        var rng = new Random(72);
        var theta = new double[N];
        for (var i = 0; i < N; i++)
        {
            theta[i] = (rng.NextDouble() * 24) - 12;
        }

        theta[17] = 1e-300; // a score whose difference from the max is not a double
        var p = Apply(new Softmax(), theta);
        var max = Fixed(theta.Max());
        var e = new BigInteger[N];
        var z = BigInteger.Zero;
        for (var i = 0; i < N; i++)
        {
            e[i] = FixedExp(Fixed(theta[i]) - max);
            z += e[i];
        }

        double worst = 0;
        for (var i = 0; i < N; i++)
        {
            // p_i·2^F and its ulp·2^F are exact integers (p_i ≥ 2^-60, so its ulp ≥ 2^-112).
            var exact = (e[i] << Bits) / z;
            var ulp = Math.BitIncrement(p[i]) - p[i];
            var error = (double)(new BigInteger(Math.ScaleB(p[i], Bits)) - exact) / Math.ScaleB(ulp, Bits);
            worst = Math.Max(worst, Math.Abs(error));
        }

        Assert.True(worst <= 4.0, $"worst error {worst:F2} ulps");
    }

    [Fact]
    public void ShiftedExp_IsWithinAnUlpOfTheRuntimeExp_AcrossTheRange()
    {
        // Both are below one ulp of e^x, so they differ by less than 1.5 ulps; δ (the TwoSum tail) enters as (1 + δ).
        var rng = new Random(73);
        var lanes = System.Numerics.Vector<double>.Count;
        double worst = 0;
        for (var c = 0; c < 20_000; c++)
        {
            var x = new double[lanes];
            for (var j = 0; j < lanes; j++)
            {
                x[j] = c % 3 == 0 ? -rng.NextDouble() * 707 : -rng.NextDouble() * 2;
            }

            var e = ShiftedExp.Vector(new System.Numerics.Vector<double>(x), System.Numerics.Vector<double>.Zero, out var low);
            Assert.False(low);
            for (var j = 0; j < lanes; j++)
            {
                var reference = Math.Exp(x[j]);
                worst = Math.Max(worst, Math.Abs(e[j] - reference) / (Math.BitIncrement(reference) - reference));
            }
        }

        Assert.True(worst < 1.5, $"worst {worst:F2} ulps from Math.Exp");
        var masked = ShiftedExp.Vector(new System.Numerics.Vector<double>(double.NegativeInfinity), System.Numerics.Vector<double>.Zero, out var lowMasked);
        Assert.True(lowMasked);
        Assert.Equal(System.Numerics.Vector<double>.Zero, masked);
    }

    [Fact]
    public void Softmax_OfScoresBeyondTheVectorRange_KeepsTheirSubnormalWeights()
    {
        double[] theta = [0, -720, -740, double.NegativeInfinity, -1, -2, -3, -4, -5, -800, 0.5];
        var p = Apply(new Softmax(), theta);
        var z = theta.Sum(t => Math.Exp(t - 0.5));
        for (var i = 0; i < theta.Length; i++)
        {
            var expected = Math.Exp(theta[i] - 0.5) / z;
            Assert.True(Math.Abs(p[i] - expected) <= 4 * (Math.BitIncrement(expected) - expected), $"index {i}: {p[i]:R} vs {expected:R}");
        }

        Assert.True(p[1] > 0 && p[2] > 0);
        Assert.Equal(0.0, p[3]);
    }

    private const int Bits = 192;

    /// <summary>round-toward-zero(x·2^Bits): exact for every double with at most Bits fractional bits.</summary>
    private static BigInteger Fixed(double x)
    {
        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        var shift = exponent - 1075 + Bits;
        var value = shift >= 0 ? new BigInteger(mantissa) << shift : new BigInteger(mantissa) >> -shift;
        return x < 0 ? -value : value;
    }

    /// <summary>e^{X/2^Bits}·2^Bits for X ≤ 0: Taylor series on X/2^12, then twelve squarings.</summary>
    private static BigInteger FixedExp(BigInteger x)
    {
        var one = BigInteger.One << Bits;
        var y = x >> 12;
        BigInteger sum = one, term = one;
        for (var k = 1; !term.IsZero; k++)
        {
            term = term * y / k >> Bits;
            sum += term;
        }

        for (var h = 0; h < 12; h++)
        {
            sum = sum * sum >> Bits;
        }

        return sum;
    }
}
