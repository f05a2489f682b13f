using Hfy.Kernels.Measurement;
using Hfy.Kernels.Storage;
using Hfy.Kernels.Theory;

namespace Hfy.Kernels.Tests.Theory;

public class ExponentialCapacityTests
{
    // docs/math.md §16's table (6 digits).
    [Theory]
    [InlineData(0.25, 0.236068, 0.219654)]
    [InlineData(0.5, 0.414214, 0.387006)]
    [InlineData(1.0, 0.618034, 0.622572)]
    [InlineData(2.0, 0.780776, 0.908754)]
    [InlineData(4.0, 0.882782, 1.224357)]
    [InlineData(8.0, 0.939451, 1.555341)]
    public void CriticalLoad_MatchesTheTable(double betaNet, double phiStar, double alphaC)
    {
        Assert.Equal(phiStar, ExponentialCapacity.PhiStar(betaNet), 6);
        Assert.Equal(alphaC, ExponentialCapacity.CriticalLoad(betaNet), 6);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void CriticalLoad_EqualsBruteForceMaximisationOfG(double betaNet)
    {
        // α_c = β_net − max_φ g(φ) over a 1e-6 grid of (−1, 1) (independent of the closed-form φ*).
        var best = double.NegativeInfinity;
        for (var i = -999_999; i < 1_000_000; i++)
        {
            var phi = i * 1e-6;
            best = Math.Max(best, 0.5 * Math.Log(1 - phi * phi) + betaNet * phi);
        }
        Assert.Equal(betaNet - best, ExponentialCapacity.CriticalLoad(betaNet), 9);
    }

    [Fact]
    public void CriticalLoad_IncreasesWithBeta_AndTendsToBetaAtSmallBeta()
    {
        var previous = 0.0;
        foreach (var b in new[] { 0.01, 0.1, 0.5, 1, 2, 4, 8, 16, 64 })
        {
            var a = ExponentialCapacity.CriticalLoad(b);
            Assert.True(a > previous, $"α_c({b}) = {a} ≤ α_c at the previous β ({previous})");
            Assert.True(a < b, $"α_c({b}) = {a} must be below β_net");
            previous = a;
        }
        // Small β: g(φ*) ≈ β²/2, so α_c/β → 1.
        Assert.Equal(1 - 1e-3 / 2, ExponentialCapacity.CriticalLoad(1e-3) / 1e-3, 6);
    }

    [Theory]
    [InlineData(0.1, 0.425757)]
    [InlineData(0.25, 0.627271)]
    [InlineData(0.5, 0.795060)]
    [InlineData(1.0, 0.929873)]
    public void LargestOverlap_MatchesTheTable(double alpha, double phiMax)
        => Assert.Equal(phiMax, ExponentialCapacity.LargestOverlap(alpha), 6);

    [Fact]
    public void LargestOverlap_IsZeroAtZeroLoad_AndTendsToOne()
    {
        Assert.Equal(0, ExponentialCapacity.LargestOverlap(0));
        Assert.Equal(Math.Sqrt(2e-8), ExponentialCapacity.LargestOverlap(1e-8), 12);
        Assert.True(1 - ExponentialCapacity.LargestOverlap(20) < 1e-17);
    }

    // docs/math.md §17's examples: βM² = β_net N.
    [Theory]
    [InlineData(4, 1.0, 1.0, 0.413339)]
    [InlineData(10, 1.0, 1.0, 0.830366)]
    [InlineData(10, 1.0, 2.0, 0.510826)]
    [InlineData(20, 1.0, 1.0, 1.163951)]
    [InlineData(100, 1.0, 1.0, 1.958518)]
    public void SparseLoadLargeN_MatchesTheExamples(int n, double betaNet, double margin, double expected)
        => Assert.Equal(expected, ExponentialCapacity.SparseLoadLargeN(n, betaNet, margin), 6);

    [Theory]
    [InlineData(0.3)]
    [InlineData(-0.7)]
    [InlineData(0.95)]
    public void SphereOverlapCdf_MatchesClosedForms(double t)
    {
        // N = 3: u uniform on [−1, 1]; N = 5: density ¾(1 − u²).
        Assert.Equal((1 + t) / 2, ExponentialCapacity.SphereOverlapCdf(3, t), 13);
        Assert.Equal((2 + 3 * t - t * t * t) / 4, ExponentialCapacity.SphereOverlapCdf(5, t), 13);
    }

    [Theory]
    [InlineData(40, 0.9)]
    [InlineData(200, 0.6)]
    [InlineData(30, -0.2)]
    public void SphereOverlapLogCdf_MatchesNumericalIntegration(int n, double t)
    {
        // Tail ∫_t^1 (1 − u²)^{(N−3)/2} du over the whole integral, Simpson's rule in u = 1 − s² (removes the endpoint cusp).
        static double Integral(int n, double from)
        {
            var e = (n - 3) / 2.0;
            var sMax = Math.Sqrt(1 - from);
            const int steps = 200_000;
            var h = sMax / steps;
            var sum = 0.0;
            for (var i = 0; i <= steps; i++)
            {
                var s = i * h;
                var u = 1 - s * s;
                var f = Math.Pow(Math.Max(0, 1 - u * u), e) * 2 * s;
                sum += f * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
            }
            return sum * h / 3;
        }
        var tail = Integral(n, t) / Integral(n, -1);
        var logF = ExponentialCapacity.SphereOverlapLogCdf(n, t);
        Assert.Equal(tail, -SpecialFunctions.ExpM1(logF), 1e-9 * Math.Max(tail, 1e-300) + 1e-15);
    }

    [Fact]
    public void SphereOverlapLogCdf_StaysAccurateInTheFarTail()
    {
        // N = 2000 at t = 0.5: the tail is ~e^{-288}, and ln F = −tail must not round to 0 in relative terms.
        var logF = ExponentialCapacity.SphereOverlapLogCdf(2000, 0.5);
        var logTail = SpecialFunctions.LogRegularizedBeta(0.25, 999.5, 999.5);
        Assert.True(logF < 0);
        Assert.Equal(logTail, Math.Log(-logF), 9);
        Assert.InRange(logTail, -300, -250);
    }

    [Fact]
    public void OneHotProbability_MatchesMonteCarloOnGeneratedSphereBanks()
    {
        // 300 banks of P = 200 sphere rows in R^10: count the stored pattern 0 whose largest other overlap passes the rule.
        const int n = 10, p = 200, banks = 300;
        const double betaNet = 0.4, margin = 1.0;
        var hits = 0;
        for (var s = 0; s < banks; s++)
        {
            var spec = new BankSpec("mc", p, n, BankSourceKind.Sphere, (ulong)(1000 + s));
            var rows = BankSources.ReadRows(spec, 0, p);
            var v = new double[n];
            for (var k = 0; k < n; k++) v[k] = rows[k];
            var top = TopOverlapScan.Scan(new BankSpecRowSource(spec), v, 1)[0];
            if (ExponentialCapacity.PredictsOneHot(n, betaNet, margin, top.MaxExcluding(0))) hits++;
        }
        var expected = ExponentialCapacity.OneHotProbability(n, p, betaNet, margin);
        var sd = Math.Sqrt(expected * (1 - expected) / banks);
        Assert.InRange(expected, 0.4, 0.5);
        Assert.InRange((double)hits / banks, expected - 4 * sd, expected + 4 * sd);
    }

    [Fact]
    public void OneHotProbability_IsTheProductOverOtherPatterns_UpToABillion()
    {
        var logF = ExponentialCapacity.SphereOverlapLogCdf(40, 1 - 1.0 / 40);
        Assert.Equal((1e9 - 1) * logF, ExponentialCapacity.OneHotLogProbability(40, 1e9, 1.0, 1.0), 6);
        Assert.Equal(0, ExponentialCapacity.OneHotLogProbability(40, 1, 1.0, 1.0));
        // More patterns, or a larger margin, never make one-hot more likely.
        Assert.True(ExponentialCapacity.OneHotProbability(20, 1000, 1, 1) > ExponentialCapacity.OneHotProbability(20, 10000, 1, 1));
        Assert.True(ExponentialCapacity.OneHotProbability(20, 1000, 1, 1) > ExponentialCapacity.OneHotProbability(20, 1000, 1, 2));
    }

    [Fact]
    public void SparseLoadExact_IsWhereTheProbabilityIsOneHalf_AndApproachesTheLargeNForm()
    {
        foreach (var n in new[] { 10, 30, 100 })
        {
            var a = ExponentialCapacity.SparseLoadExact(n, 1.0, 1.0);
            Assert.Equal(0.5, ExponentialCapacity.OneHotProbability(n, Math.Exp(a * n), 1.0, 1.0), 9);
        }
        // The dropped polynomial factor is O(ln N / N) per unit load.
        var gap100 = Math.Abs(ExponentialCapacity.SparseLoadExact(100, 1, 1) - ExponentialCapacity.SparseLoadLargeN(100, 1, 1));
        var gap1000 = Math.Abs(ExponentialCapacity.SparseLoadExact(1000, 1, 1) - ExponentialCapacity.SparseLoadLargeN(1000, 1, 1));
        Assert.True(gap1000 < gap100 / 3, $"gap at N = 1000 ({gap1000}) vs N = 100 ({gap100})");
    }

    [Fact]
    public void LargestOverlapMedian_SolvesTheMedianEquation_AndApproachesTheLargeNLaw()
    {
        var m = ExponentialCapacity.LargestOverlapMedian(20, 1000);
        Assert.Equal(0.5, Math.Pow(ExponentialCapacity.SphereOverlapCdf(20, m), 999), 9);
        // At fixed α the finite-N median tends to √(1 − e^{−2α}) from below.
        var far = Math.Abs(ExponentialCapacity.LargestOverlapMedian(20, Math.Exp(0.3 * 20)) - ExponentialCapacity.LargestOverlap(0.3));
        var near = Math.Abs(ExponentialCapacity.LargestOverlapMedian(400, Math.Exp(0.3 * 400)) - ExponentialCapacity.LargestOverlap(0.3));
        Assert.True(near < far / 5, $"|median − φ_max| at N = 400 ({near}) vs N = 20 ({far})");
    }

    [Fact]
    public void BinaryOverlapLogCdf_MatchesEnumeration()
    {
        // N = 6: u = 1 − 2h/6, h ~ Bin(6, ½).
        double[] c = [1, 6, 15, 20, 15, 6, 1];
        foreach (var t in new[] { -1.0, -0.5, 0.0, 1.0 / 3, 0.5, 2.0 / 3, 0.99 })
        {
            var f = 0.0;
            for (var h = 0; h <= 6; h++) if (1 - 2.0 * h / 6 <= t + 1e-12) f += c[h] / 64;
            Assert.Equal(f, Math.Exp(ExponentialCapacity.BinaryOverlapLogCdf(6, t)), 12);
        }
    }

    [Fact]
    public void RampDimension_IsRoundedLogPOverAlpha()
    {
        Assert.Equal(28, ExponentialCapacity.RampDimension(1e6, 0.5));
        Assert.Equal((int)Math.Round(Math.Log(1e6) / 0.3), ExponentialCapacity.RampDimension(1e6, 0.3));
        Assert.Equal(20, ExponentialCapacity.RampDimension(Math.Exp(10), 0.5));
        Assert.Equal(Math.Round(Math.Exp(6)), ExponentialCapacity.PatternCount(20, 0.3));
    }

    [Fact]
    public void BasinBoundary_IsLargestOverlapPlusMarginOverBetaN()
        => Assert.Equal(ExponentialCapacity.LargestOverlap(0.4) + 1.0 / (2 * 25), ExponentialCapacity.BasinBoundary(0.4, 25, 2, 1), 14);

    [Fact]
    public void LogRegularizedBeta_MatchesClosedForms()
    {
        // I_x(1, b) = 1 − (1 − x)^b; I_x(a, 1) = x^a.
        Assert.Equal(1 - Math.Pow(0.7, 3.5), SpecialFunctions.RegularizedBeta(0.3, 1, 3.5), 14);
        Assert.Equal(Math.Pow(0.8, 4.25), SpecialFunctions.RegularizedBeta(0.8, 4.25, 1), 14);
        Assert.Equal(Math.Log(24), SpecialFunctions.LogGamma(5), 13);
        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 13);
    }
}
