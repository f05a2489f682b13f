using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class KSubsetsTests
{
    [Fact]
    public void KSubsets_WithKOne_EqualsSparsemax()
    {
        var map = new KSubsets(1);
        var sparsemax = new Sparsemax();
        var rng = new Random(61);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 40);
            Close(Apply(sparsemax, theta), Apply(map, theta), 1e-13);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void KSubsets_IsTheProjectionOntoTheCappedSimplex(int k)
    {
        // KKT: μ_i = clip(θ_i − τ, 0, 1) with one τ, and Σμ = k; checked against a bisection on τ.
        var map = new KSubsets(k);
        var rng = new Random(62);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, k, 30);
            var mu = Apply(map, theta);
            var kth = theta.OrderByDescending(t => t).ElementAt(k - 1);
            double lo = kth - 1, hi = kth; // mass(lo) ≥ k > mass(hi)
            for (var it = 0; it < 200; it++)
            {
                var mid = 0.5 * (lo + hi);
                if (theta.Sum(t => Math.Clamp(t - mid, 0, 1)) >= k)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            Close([.. theta.Select(t => Math.Clamp(t - lo, 0, 1))], mu, 1e-9, $"k = {k} case {c}");
            Assert.Equal(k, mu.Sum(), 1e-12);
        }
    }

    [Fact]
    public void KSubsets_Normalized_IsTheMarginalsOverK()
    {
        var rng = new Random(63);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 3, 20);
            Close([.. Apply(new KSubsets(3), theta).Select(v => v / 3)], Apply(new KSubsets(3, normalize: true), theta), 1e-15);
        }
    }

    [Fact]
    public void KSubsets_OfTheFigure2Scores_SelectsTheExpectedStructureMarginals()
    {
        // docs/math.md §6: 2-subsets on the Figure 2 scores.
        var mu = Apply(new KSubsets(2), [1.0716, -1.1221, -0.3288, 0.3368, 0.0425]);
        Close([1, 0, 0, 0.647150, 0.352850], mu, 1e-6);
    }

    [Fact]
    public void KSubsets_WithMoreThanTheFiniteScores_NamesK()
    {
        var ex = Assert.Throws<ArgumentException>(() => new KSubsets(3).Forward([1, double.NegativeInfinity, 2], new double[3]));
        Assert.StartsWith("k:", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new KSubsets(0));
    }

    [Fact]
    public void KSubsets_Regularizer_IsHalfTheSquaredNorm()
    {
        Assert.Equal(0.5 * (1 + 0.25 + 0.25), new KSubsets(2).Regularizer([1, 0.5, 0.5]), 15);
        Assert.Equal(1.0 * ((0.25 * 0.25) + (0.5 * 0.5) + (0.25 * 0.25)), new KSubsets(2, normalize: true).Regularizer([0.25, 0.5, 0.25]), 15);
    }
}
