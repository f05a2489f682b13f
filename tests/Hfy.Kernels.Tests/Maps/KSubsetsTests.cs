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

    [Theory]
    [InlineData(1.5)]
    [InlineData(0.25)]
    [InlineData(2.75)]
    public void KSubsets_WithARealBudget_IsTheBruteForceProjectionOntoTheCappedSimplex(double k)
    {
        var map = new KSubsets(k);
        var rng = new Random(64);
        for (var c = 0; c < 300; c++)
        {
            var theta = RandomTheta(rng, (int)Math.Ceiling(k), 7);
            if (c % 5 == 0)
            {
                theta[0] = theta[^1]; // ties
            }

            var mu = Apply(map, theta);
            Close(BruteForceProjection(theta, k), mu, 1e-12, $"k = {k} case {c}");
            Assert.Equal(k, mu.Sum(), 1e-12);
        }
    }

    [Fact]
    public void KSubsets_WithARealBudget_MatchesItsDistributedSearch()
    {
        var map = new KSubsets(1.5);
        var rng = new Random(65);
        for (var c = 0; c < 100; c++)
        {
            var theta = RandomTheta(rng, 2, 300).Select(t => (double)(float)t).ToArray();
            var tau = map.Forward(theta, new double[theta.Length]);
            var (searched, _) = Search(map, [.. theta.Select(t => (float)t)], 3);
            Assert.True(Math.Abs(tau - searched) <= 1e-12 * Math.Max(1, Math.Abs(tau)), $"case {c}: forward τ {tau:R} vs search {searched:R}");
        }
    }

    [Fact]
    public void KSubsets_OfAnInvalidBudget_NamesK()
    {
        foreach (var k in new[] { 0.0, -1.0, double.NaN, double.PositiveInfinity })
        {
            var ex = Assert.Throws<ArgumentException>(() => new KSubsets(k));
            Assert.StartsWith("k:", ex.Message, StringComparison.Ordinal);
        }

        Assert.StartsWith("k:", MapFactory.Validate(MapSpec.KSubsets(3.5), 3), StringComparison.Ordinal);
        Assert.Null(MapFactory.Validate(MapSpec.KSubsets(2.5), 3));
        Assert.StartsWith("k:", MapFactory.Validate(new MapSpec(MapKind.SeqKSubsets, K: 1.5), 3), StringComparison.Ordinal);
    }

    /// <summary>
    /// argmin ‖μ − θ‖² over {0 ≤ μ ≤ 1, Σμ = k} by enumeration: every assignment of the entries to
    /// {0, 1, free} whose projection onto that face (free entries θ_i − τ, one τ for Σ = k) is feasible,
    /// keeping the closest. The optimum is the projection onto its own face, so it is among them.
    /// </summary>
    private static double[] BruteForceProjection(double[] theta, double k)
    {
        var n = theta.Length;
        double[]? best = null;
        var bestDist = double.PositiveInfinity;
        var patterns = (int)Math.Pow(3, n);
        var mu = new double[n];
        for (var code = 0; code < patterns; code++)
        {
            int saturated = 0, free = 0;
            double freeSum = 0;
            var x = code;
            var kind = new int[n];
            for (var i = 0; i < n; i++, x /= 3)
            {
                kind[i] = x % 3;
                if (kind[i] == 1)
                {
                    saturated++;
                }
                else if (kind[i] == 2)
                {
                    free++;
                    freeSum += theta[i];
                }
            }

            var tau = free > 0 ? (freeSum + saturated - k) / free : 0.0;
            if (free == 0 && Math.Abs(saturated - k) > 1e-12)
            {
                continue;
            }

            var feasible = true;
            for (var i = 0; i < n && feasible; i++)
            {
                mu[i] = kind[i] switch { 0 => 0.0, 1 => 1.0, _ => theta[i] - tau };
                feasible = mu[i] >= -1e-12 && mu[i] <= 1 + 1e-12;
            }

            if (!feasible)
            {
                continue;
            }

            var dist = theta.Zip(mu, (t, m) => (t - m) * (t - m)).Sum();
            if (dist < bestDist - 1e-13)
            {
                bestDist = dist;
                best = [.. mu];
            }
        }

        return best ?? throw new InvalidOperationException("no feasible face");
    }
}
