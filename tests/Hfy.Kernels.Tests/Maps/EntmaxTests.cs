using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class EntmaxTests
{
    [Fact]
    public void Entmax_WithAlphaTwo_EqualsSparsemax()
    {
        var entmax = new Entmax(2.0);
        var sparsemax = new Sparsemax();
        var rng = new Random(31);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 40);
            Close(Apply(sparsemax, theta), Apply(entmax, theta), 1e-14);
            Assert.Equal(sparsemax.Forward(theta, new double[theta.Length]), entmax.Forward(theta, new double[theta.Length]), 1e-14);
        }
    }

    [Fact]
    public void Entmax_AsAlphaTendsToOne_ApproachesSoftmax()
    {
        var near = new Entmax(1.001);
        var softmax = new Softmax();
        var rng = new Random(32);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 20).Select(t => Math.Clamp(t, -3, 3)).ToArray();
            var p = Apply(near, theta);
            Close(Apply(softmax, theta), p, 5e-3, "α = 1.001");
            Assert.All(p, v => Assert.True(v > 0, "α = 1.001 keeps every score of spread ≤ 6 in the support"));
        }
    }

    [Fact]
    public void Entmax_AtAlphaOnePlus1e12_EqualsSoftmax()
    {
        var near = new Entmax(1 + 1e-12);
        var softmax = new Softmax();
        var rng = new Random(34);
        for (var c = 0; c < 300; c++)
        {
            var theta = RandomTheta(rng, 1, 60);
            Close(Apply(softmax, theta), Apply(near, theta), 1e-9, $"case {c}");
        }
    }

    [Fact]
    public void Entmax_NearAlphaOne_MatchesADecimalReferenceAcrossTheRange()
    {
        // α = 1 + s for s log-spaced over [1e-12, 1e-3]: every weight within 1e-13 (relative) of a 28-digit
        // decimal solve of Σ [1 + s(θ_i − τ′)]^{1/s} = 1. Matching one smooth reference at every point is
        // continuity in α, and the softmax end is the s → 0 limit of the same reference.
        var rng = new Random(35);
        for (var j = 0; j <= 45; j++)
        {
            var alpha = 1.0 + Math.Pow(10, -12 + (j * 9.0 / 45));
            var map = new Entmax(alpha);
            for (var c = 0; c < 4; c++)
            {
                var n = rng.Next(1, 9);
                var grid = Enumerable.Range(0, n).Select(_ => (long)rng.Next(-3 << 20, 3 << 20)).ToArray();
                var theta = grid.Select(m => m / 1048576.0).ToArray();
                var p = Apply(map, theta);
                var reference = DecimalEntmax(grid, (decimal)double.Parse((alpha - 1.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
                for (var i = 0; i < n; i++)
                {
                    var r = (double)reference[i];
                    Assert.True(Math.Abs(p[i] - r) <= 1e-13 * r, $"α − 1 = {alpha - 1:G3}, case {c}, index {i}: {p[i]:R} vs reference {r:R}");
                }
            }
        }
    }

    [Fact]
    public void Entmax_AcrossTheScoreUnitSwitch_IsContinuous()
    {
        // The score-unit solver serves α − 1 ≤ 0.1 and the map-scaled one above it: both are exact to
        // rounding, so the output moves by no more than its (O(1)) derivative in α times the step.
        var below = new Entmax(1.0999999999999);
        var above = new Entmax(1.1);
        var rng = new Random(36);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 40);
            Close(Apply(above, theta), Apply(below, theta), 1e-11, $"case {c}");
        }
    }

    [Fact]
    public void Entmax_NearAlphaOne_RegularizerTendsToShannon()
    {
        double[] p = [0.5, 0.25, 0.125, 0.125];
        var shannon = new Softmax().Regularizer(p);
        Assert.Equal(shannon, new Entmax(1 + 1e-12).Regularizer(p), 1e-11);
        Assert.Equal(shannon, new Entmax(1 + 1e-9).Regularizer(p), 1e-8);
    }

    [Theory]
    [InlineData(1.1)]
    [InlineData(1.25)]
    [InlineData(1.7)]
    [InlineData(2.5)]
    [InlineData(3.0)]
    [InlineData(4.0)]
    public void Entmax_GeneralAlpha_ThresholdWithin1e12OfABisectionReference(double alpha)
    {
        var map = new Entmax(alpha);
        var rng = new Random(33);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 40);
            var tau = map.Forward(theta, new double[theta.Length]);
            var reference = BisectionTau(theta, alpha);
            Assert.True(Math.Abs(tau - reference) <= 1e-12 * Math.Max(1, Math.Abs(reference)),
                $"α = {alpha} case {c}: τ {tau:R} vs bisection {reference:R}");
        }
    }

    [Fact]
    public void Entmax_Regularizer_IsTsallisAndGivesTheConjugate()
    {
        // Ω(p) = (Σ p^α − 1)/(α(α−1)); at the uniform distribution over n: (n^{1−α} − 1)/(α(α−1)).
        var map = new Entmax(1.5);
        Assert.Equal((Math.Pow(4, -0.5) - 1) / 0.75, map.Regularizer([0.25, 0.25, 0.25, 0.25]), 14);
        Assert.Equal(0.0, map.Regularizer([1.0, 0.0]), 14);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Entmax_OfInvalidAlpha_NamesTheField(double alpha)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Entmax(alpha));
        Assert.StartsWith("alpha:", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>τ with Σ [(α−1)θ_i − τ]_+^{1/(α−1)} = 1 by bisection down to adjacent doubles.</summary>
    private static double BisectionTau(double[] theta, double alpha)
    {
        var z = theta.Select(t => (alpha - 1) * t).ToArray();
        double lo = z.Max() - 1, hi = z.Max();
        while (true)
        {
            var mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi)
            {
                return lo;
            }

            var mass = z.Sum(v => v > mid ? Math.Pow(v - mid, 1 / (alpha - 1)) : 0);
            if (mass >= 1)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
    }

    /// <summary>
    /// α-entmax with α = 1 + s in 28-digit decimals, on scores m_i / 2^20 (exact in decimal): p_i =
    /// exp(ln(1 + s x_i)/s), x_i = θ_i − τ′, τ′ by Newton on M(τ′) = 1 from the softmax threshold (the
    /// series below converge for |s x| ≤ 0.01, which the test's scores and s ≤ 1e-3 keep).
    /// </summary>
    private static decimal[] DecimalEntmax(long[] grid, decimal s)
    {
        var theta = grid.Select(m => m / 1048576m).ToArray();
        var max = theta.Max();
        var t = theta.Select(v => v - max).ToArray();
        var u = (decimal)Math.Log(t.Sum(v => Math.Exp((double)v)));
        for (var it = 0; it < 60; it++)
        {
            decimal mass = 0, slope = 0;
            foreach (var v in t)
            {
                var f = F(v - u);
                mass += f;
                slope += f / (1 + (s * (v - u)));
            }

            var step = (mass - 1) / slope;
            u += step;
            if (Math.Abs(step) < 1e-27m)
            {
                break;
            }
        }

        return [.. t.Select(v => F(v - u))];

        decimal F(decimal x) => Exp(Log1P(s * x) / s);
    }

    private static decimal Log1P(decimal y)
    {
        decimal sum = 0, power = y;
        for (var k = 1; k < 200 && power != 0; k++)
        {
            sum += (k % 2 == 1 ? power : -power) / k;
            power *= y;
        }

        return sum;
    }

    private static decimal Exp(decimal x)
    {
        const int Halvings = 12;
        var y = x / 4096m;
        decimal sum = 1, term = 1;
        for (var k = 1; k < 60 && term != 0; k++)
        {
            term = term * y / k;
            sum += term;
        }

        for (var h = 0; h < Halvings; h++)
        {
            sum *= sum;
        }

        return sum;
    }
}
