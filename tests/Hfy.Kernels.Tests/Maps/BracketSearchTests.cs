using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>
/// The distributed threshold search (BracketSearch via <see cref="IThresholdMap.BeginSearch"/>) driven over
/// an array split into partitions must give Forward's τ and p, in a few rounds.
/// </summary>
public class BracketSearchTests
{
    private static float[] Scores(int seed, int n, double spread, double mean = 0)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(mean + (spread * Normal(rng))))];
    }

    private static int StableSeed(string name)
    {
        var h = 2166136261u; // FNV-1a
        foreach (var c in name) h = (h ^ c) * 16777619u;
        return (int)(h & 0x7fffffff);
    }

    private static void AssertMatchesForward(IThresholdMap map, float[] scores, int parts, int maxRounds, string because)
    {
        var theta = scores.Select(s => (double)s).ToArray();
        var p = new double[theta.Length];
        var tauForward = map.Forward(theta, p);
        var (tau, rounds) = Search(map, scores, parts);
        Assert.True(Math.Abs(tau - tauForward) <= 1e-12 * Math.Max(1, Math.Abs(tauForward)),
            $"{because}: search τ {tau:R} vs Forward τ {tauForward:R} (diff {tau - tauForward:G3}) after {rounds} rounds");

        // Weights of entries right at the support boundary amplify the last bits of τ when α > 2 (d^{1/(α−1)});
        // and the search works in absolute score coordinates, where d = z − τ carries an ulp of |τ|.
        var tol = (map is Entmax { Alpha: > 2 } ? 1e-8 : 1e-12) * Math.Max(1, Math.Abs(tauForward));
        Close(p, WeightsAt(map, theta, tau), tol, because);
        Assert.True(rounds <= maxRounds, $"{because}: {rounds} rounds (limit {maxRounds})");
    }

    public static TheoryData<string, double> DenseCases()
    {
        var data = new TheoryData<string, double>();
        foreach (var map in new[] { "sparsemax", "entmax-1.5", "entmax-1.25", "entmax-3", "normmax-2", "normmax-5", "ksubsets-1", "ksubsets-5", "ksubsets-5-norm" })
        {
            // From "all 100k in the support" (spread ≪ margin) to a support of a few hundred.
            foreach (var spread in new[] { 1e-4, 0.01, 0.3 })
            {
                data.Add(map, spread);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Search_OnADenseSplitArray_EqualsForwardWithinEightRounds(string name, double spread)
    {
        var map = (IThresholdMap)Map(name);
        // A stable seed (string.GetHashCode is randomized per process, which made this test draw new data every run).
        var scores = Scores(StableSeed(name) ^ 17, 100_000, spread, mean: 3);
        AssertMatchesForward(map, scores, parts: 7, maxRounds: 8, $"{name} spread {spread}");
    }

    /// <summary>
    /// γ = 5 and α = 3 weights are d^{1/4} and d^{1/2}: a row 1e-7 above τ turns an error of 1e-13·|τ| in τ into
    /// ~1e-11 of p. The search stops within 4 ulps of |τ| instead, so p matches Forward on every seed.
    /// </summary>
    [Theory]
    [InlineData("normmax-5")]
    [InlineData("entmax-3")]
    public void Search_OnManyDenseSeeds_MatchesForwardsWeightsAtTheSupportEdge(string name)
    {
        var map = (IThresholdMap)Map(name);
        for (var seed = 0; seed < 200; seed++)
        {
            var scores = Scores(seed, 5_000, 0.01, mean: 3);
            var theta = scores.Select(s => (double)s).ToArray();
            var p = new double[theta.Length];
            var tauForward = map.Forward(theta, p);
            var (tau, _) = Search(map, scores, 7);
            Close(p, WeightsAt(map, theta, tau), 1e-12, $"{name} seed {seed}: τ {tau:R} vs Forward {tauForward:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ThresholdMaps), MemberType = typeof(MapTestUtil))]
    public void Search_OnRandomSmallSplitArrays_EqualsForward(string name)
    {
        var map = (IThresholdMap)Map(name);
        var rng = new Random(11);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 60);
            var scores = theta.Select(t => (float)t).ToArray();
            AssertMatchesForward(map, scores, parts: 1 + rng.Next(5), maxRounds: 12, $"{name} case {c}");
        }
    }

    [Theory]
    [MemberData(nameof(ThresholdMaps), MemberType = typeof(MapTestUtil))]
    public void Search_OnTiesAndTinyInputs_EqualsForward(string name)
    {
        var map = (IThresholdMap)Map(name);
        var k = MinN(map);
        AssertMatchesForward(map, [.. Enumerable.Repeat(0.75f, Math.Max(k, 6))], 3, 4, $"{name} all tied");
        AssertMatchesForward(map, [.. Enumerable.Repeat(2f, k), .. Enumerable.Repeat(-5f, 4)], 2, 4, $"{name} exact structure");
        AssertMatchesForward(map, [.. Enumerable.Range(0, k).Select(i => 1f - (0.1f * i))], 1, 4, $"{name} n = k");
        AssertMatchesForward(map, [.. Enumerable.Repeat(0.5f, 3), .. Enumerable.Repeat(0.25f, 5000), .. Enumerable.Repeat(0.5f, 2)], 4, 8, $"{name} tie blocks");
        AssertMatchesForward(map, Scores(9, 20_000, 0.05, mean: 1e4), 5, 8, $"{name} scores near 1e4");
        AssertMatchesForward(map, Scores(10, 20_000, 0.05, mean: -3e3), 5, 8, $"{name} scores near -3e3");
    }

    [Fact]
    public void Search_IgnoresMaskedScoresInPartitions()
    {
        var map = new Sparsemax();
        float[] scores = [float.NegativeInfinity, 0.5f, 0.2f, float.NegativeInfinity, 0.4f];
        var (tau, _) = Search(map, scores, 2);
        Close([0, 0.5 - (1.0 / 30), 0.2 - (1.0 / 30), 0, 0.4 - (1.0 / 30)], WeightsAt(map, [.. scores.Select(s => (double)s)], tau), 1e-7);
    }

    [Fact]
    public void Search_OfOneScore_IsDoneBeforeAnyRound()
    {
        var search = new Entmax(1.5).BeginSearch(2.0, 2.0, 1);
        Assert.True(search.IsDone);
        Assert.Equal(0, search.Rounds);
        Assert.Empty(search.NextProbes());
        Assert.Equal(0.0, search.Tau); // z = 0.5·2 = 1, τ = z − 1
    }

    [Fact]
    public void NextProbes_RepeatsTheRoundUntilAbsorbed_AndAbsorbChecksTheCount()
    {
        var search = new Sparsemax().BeginSearch(1.0, 1.0, 1000);
        var first = search.NextProbes();
        Assert.Equal(first, search.NextProbes());
        Assert.InRange(first.Length, 2, 24);
        Assert.All(first, t => Assert.InRange(t, 0.0, 1.0 - 1e-3));
        Assert.Throws<ArgumentException>(() => search.Absorb(new MassSummary[first.Length + 1]));
    }

    [Fact]
    public void Probe_SummariesOfPartitionsAddUpToTheWhole()
    {
        var scores = Scores(5, 10_000, 0.2);
        double[] taus = [0.1, -0.3, 0.0, 0.25, -1.0];
        foreach (IThresholdMap map in new IThresholdMap[] { new Sparsemax(), new Entmax(1.5), new Entmax(1.3), new Normmax(3), new KSubsets(4) })
        {
            var whole = new MassSummary[taus.Length];
            map.Probe(scores, taus, whole);
            var parts = new MassSummary[taus.Length];
            map.Probe(scores.AsSpan(0, 3333), taus, parts);
            map.Probe(scores.AsSpan(3333), taus, parts);
            for (var j = 0; j < taus.Length; j++)
            {
                Assert.Equal(whole[j].Count, parts[j].Count);
                Assert.Equal(whole[j].Saturated, parts[j].Saturated);
                Assert.Equal(whole[j].Mass, parts[j].Mass, 1e-9 * Math.Max(1, Math.Abs(whole[j].Mass)));
                Assert.Equal(whole[j].Slope, parts[j].Slope, 1e-9 * Math.Max(1, Math.Abs(whole[j].Slope)));

                // Against a direct evaluation of the mass function.
                var direct = scores.Sum(s => map is KSubsets ? Math.Clamp(s - taus[j], 0, 1) : MassTerm(map, s, taus[j]));
                Assert.Equal(direct, whole[j].Mass, 1e-9 * Math.Max(1, Math.Abs(direct)));
            }
        }
    }

    private static double MassTerm(IThresholdMap map, double theta, double tau)
    {
        var pm = (PowerThresholdMap)map;
        var d = (pm.Scale * theta) - tau;
        return d > 0 ? Math.Pow(d, pm.MassExponent) : 0;
    }
}
