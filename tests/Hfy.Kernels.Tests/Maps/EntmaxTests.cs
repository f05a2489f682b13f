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
}
