using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class ConstrainedSparsemaxTests
{
    private static double[] Forward(double[] theta, double[] upper)
    {
        var p = new double[theta.Length];
        ConstrainedSparsemax.Forward(theta, upper, p);
        return p;
    }

    private static double[] Bisection(double[] theta, double[] upper)
    {
        // Independent: τ by bisection on Σ clip(θ_i − τ, 0, u_i) = 1.
        double lo = theta.Zip(upper, (t, u) => t - Math.Min(u, 1e6)).Min() - 1, hi = theta.Max();
        for (int it = 0; it < 300; it++)
        {
            double mid = 0.5 * (lo + hi);
            double mass = theta.Zip(upper, (t, u) => Math.Clamp(t - mid, 0, u)).Sum();
            if (mass > 1) lo = mid; else hi = mid;
        }
        double tau = 0.5 * (lo + hi);
        return theta.Zip(upper, (t, u) => Math.Clamp(t - tau, 0, u)).ToArray();
    }

    [Fact]
    public void WithUnitBounds_EqualsSparsemaxReference()
    {
        // docs/math.md §6: sparsemax([−2, 0, 0.5]) = [0, 0.25, 0.75]; sparsemax(Figure 2) = [0.8674, 0, 0, 0.1326, 0].
        Assert.Equal([0, 0.25, 0.75], Forward([-2, 0, 0.5], [1, 1, 1]).Select(v => Math.Round(v, 12)));
        var p = Forward([1.0716, -1.1221, -0.3288, 0.3368, 0.0425], [1, 1, 1, 1, 1]);
        Assert.Equal([0.8674, 0, 0, 0.1326, 0], p.Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void CappedEntry_PassesItsMassToTheOthers()
    {
        // θ = [2, 0, 0.5], u = [0.5, 1, 1]: p_0 capped at 0.5, rest = sparsemax mass 0.5 over {0, 0.5}: [0, 0.5] → p = [0.5, 0, 0.5].
        var p = Forward([2, 0, 0.5], [0.5, 1, 1]);
        Assert.Equal([0.5, 0, 0.5], p.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void OfTiedScores_SplitsMassEvenly()
    {
        var p = Forward([1, 1, 1, 1], [1, 1, 1, 1]);
        Assert.All(p, v => Assert.Equal(0.25, v, 12));
    }

    [Fact]
    public void MatchesBisection_OnRandomProblems()
    {
        var rng = new Random(4);
        for (int rep = 0; rep < 500; rep++)
        {
            int n = rng.Next(1, 40);
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
            var upper = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.2 ? 0 : rng.NextDouble()).ToArray();
            if (upper.Sum() < 1) upper[rng.Next(n)] += 1;
            var p = Forward(theta, upper);
            var q = Bisection(theta, upper);
            for (int i = 0; i < n; i++) Assert.Equal(q[i], p[i], 10);
            Assert.Equal(1, p.Sum(), 12);
            for (int i = 0; i < n; i++) Assert.InRange(p[i], 0, upper[i]);
        }
    }

    [Fact]
    public void WhenBoundsSumToOne_ReturnsTheBounds()
    {
        var p = Forward([5, -3, 0.2], [0.25, 0.5, 0.25]);
        Assert.Equal([0.25, 0.5, 0.25], p);
    }

    [Fact]
    public void MaskedScoresGetZero_AndInfiniteBoundMeansUncapped()
    {
        var p = Forward([double.NegativeInfinity, 0, 0.5], [1, double.PositiveInfinity, 1]);
        Assert.Equal([0, 0.25, 0.75], p.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void InfeasibleBounds_AreRejected_NamingTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => Forward([1, 2, 3], [0.2, 0.3, 0.4]));
        Assert.Equal("upper", ex.ParamName);
        Assert.Contains("≥ 1", ex.Message);
        Assert.Equal("upper", Assert.Throws<ArgumentException>(() => Forward([1, 2], [-1, 3])).ParamName);
        Assert.Equal("theta", Assert.Throws<ArgumentException>(() => Forward([double.NaN, 2], [1, 1])).ParamName);
    }

    [Fact]
    public void Backward_MatchesFiniteDifferences_ForThetaAndUpper()
    {
        var rng = new Random(12);
        for (int rep = 0; rep < 50; rep++)
        {
            int n = rng.Next(2, 15);
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var upper = Enumerable.Range(0, n).Select(_ => 0.05 + rng.NextDouble() * 0.5).ToArray();
            if (upper.Sum() < 1.2) upper[0] += 1.2;
            var dp = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var p = Forward(theta, upper);
            var dtheta = new double[n];
            var dupper = new double[n];
            ConstrainedSparsemax.Backward(p, upper, dp, dtheta, dupper);
            const double h = 1e-7;
            for (int i = 0; i < n; i++)
            {
                var tp = (double[])theta.Clone(); tp[i] += h;
                var tm = (double[])theta.Clone(); tm[i] -= h;
                double fd = Forward(tp, upper).Zip(Forward(tm, upper), (a, b) => (a - b) / (2 * h)).Zip(dp, (d, g) => d * g).Sum();
                Assert.True(Math.Abs(fd - dtheta[i]) < 1e-5, $"dθ[{i}]: vjp {dtheta[i]} fd {fd}");
                var up = (double[])upper.Clone(); up[i] += h;
                var um = (double[])upper.Clone(); um[i] -= h;
                double fu = Forward(theta, up).Zip(Forward(theta, um), (a, b) => (a - b) / (2 * h)).Zip(dp, (d, g) => d * g).Sum();
                Assert.True(Math.Abs(fu - dupper[i]) < 1e-5, $"du[{i}]: vjp {dupper[i]} fd {fu}");
            }
        }
    }

    [Fact]
    public void WhenBoundsSumToOneUpToRounding_ReturnsTheBounds()
    {
        // Free recall's last round: u is what is left after N − 1 subtractions, Σu = 1 only up to rounding.
        var rng = new Random(9);
        for (int rep = 0; rep < 200; rep++)
        {
            int n = rng.Next(2, 50);
            var raw = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
            double total = raw.Sum();
            var upper = raw.Select(v => v / total).ToArray();
            double sum = upper.Sum();
            if (sum < 1) upper[0] += 1 - sum;
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            var p = Forward(theta, upper);
            for (int i = 0; i < n; i++) Assert.Equal(upper[i], p[i], 9);
        }
    }
}
