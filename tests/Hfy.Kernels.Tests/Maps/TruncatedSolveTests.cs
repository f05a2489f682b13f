using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>
/// The exact solve on truncated candidate lists: when it says exact, its weights are Forward's on the whole
/// array; when it does not, its bracket holds Forward's τ and a search narrowed to it still finds that τ.
/// </summary>
public class TruncatedSolveTests
{
    private const int Parts = 8;
    private const int Cap = 64;

    public static TheoryData<string> Maps() => ThresholdMaps;

    [Theory]
    [MemberData(nameof(Maps))]
    public void TrySolve_OnTopListsOfPartitions_IsForwardOrBracketsIt(string name)
    {
        var map = (IThresholdMap)Map(name);
        int exact = 0, bracketed = 0;
        // From supports far beyond the lists (tiny spread) to supports inside them (wide spread).
        foreach (var spread in new[] { 1e-8, 1e-4, 1e-2, 0.1, 0.3, 1, 3, 30 })
        {
            var rng = new Random(7 + (int)(spread * 1000));
            var scores = Enumerable.Range(0, 4000).Select(_ => (double)(float)(spread * Normal(rng))).ToArray();
            var full = new double[scores.Length];
            var tauFull = map.Forward(scores, full);

            var (ids, floor) = TopLists(scores);
            var union = ids.Select(i => scores[i]).ToArray();
            var p = new double[union.Length];
            if (TruncatedSolve.TrySolve(map, union, floor, p, out var lo, out var hi))
            {
                exact++;
                for (var t = 0; t < ids.Length; t++)
                {
                    Assert.True(Math.Abs(p[t] - full[ids[t]]) <= 1e-12, $"{name} spread {spread}: p[{ids[t]}] {p[t]:R} vs Forward {full[ids[t]]:R}");
                }

                // Everything outside the lists carries no weight.
                Assert.Equal(1.0 * map.OutputMass, ids.Sum(i => full[i]), 1e-9);
            }
            else
            {
                bracketed++;
                Assert.True(lo <= tauFull && tauFull <= hi, $"{name} spread {spread}: τ {tauFull:R} outside [{lo:R}, {hi:R}]");
                var tau = NarrowedSearch(map, scores, lo, hi);
                Assert.True(Math.Abs(tau - tauFull) <= 1e-12 * Math.Max(1, Math.Abs(tauFull)), $"{name} spread {spread}: narrowed search τ {tau:R} vs {tauFull:R}");
            }
        }

        Assert.True(exact > 0 && bracketed > 0, $"{name}: both outcomes must occur (exact {exact}, bracketed {bracketed})");
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void ThresholdOf_IsWhereAScoreStopsCarryingWeight_AndScoreAtInvertsIt(string name)
    {
        var map = (IThresholdMap)Map(name);
        foreach (var theta in new[] { -3.5, -1e-3, 0.0, 0.25, 7.0, 1e4 })
        {
            var t = map.ThresholdOf(theta);
            Assert.Equal(0.0, map.Weight(theta, t));
            Assert.True(map.Weight(theta, t - (1e-6 * Math.Max(1, Math.Abs(t)))) > 0, $"{name}: θ = {theta} must carry weight just below τ = {t}");
            Assert.Equal(theta, map.ScoreAt(t), 1e-15 * Math.Max(1, Math.Abs(theta)));
        }
    }

    [Fact]
    public void TrySolve_RejectsMismatchedLengthsAndNaNFloor()
    {
        var map = new Sparsemax();
        Assert.Throws<ArgumentException>(() => TruncatedSolve.TrySolve(map, [1.0, 2.0], 0.0, new double[1], out _, out _));
        Assert.Throws<ArgumentException>(() => TruncatedSolve.TrySolve(map, [1.0, 2.0], double.NaN, new double[2], out _, out _));
    }

    /// <summary>Each of <see cref="Parts"/> contiguous partitions keeps its top <see cref="Cap"/> scores; the highest floor of the cut lists.</summary>
    private static (int[] Ids, double Floor) TopLists(double[] scores)
    {
        var size = scores.Length / Parts;
        var ids = new List<int>();
        var floor = double.NegativeInfinity;
        for (var part = 0; part < Parts; part++)
        {
            var top = Enumerable.Range(part * size, size).OrderByDescending(i => scores[i]).Take(Cap).ToArray();
            ids.AddRange(top);
            floor = Math.Max(floor, scores[top[^1]]);
        }

        return ([.. ids], floor);
    }

    private static double NarrowedSearch(IThresholdMap map, double[] scores, double lo, double hi)
    {
        var floats = scores.Select(s => (float)s).ToArray();
        var sorted = scores.OrderByDescending(s => s).ToArray();
        var search = map.BeginSearch(sorted[0], sorted[map.AnchorRank - 1], scores.Length);
        search.Narrow(lo, hi);
        var size = floats.Length / Parts;
        while (!search.IsDone)
        {
            var taus = search.NextProbes();
            if (taus.Length == 0) break;
            var summed = new MassSummary[taus.Length];
            for (var part = 0; part < Parts; part++) map.Probe(floats.AsSpan(part * size, size), taus, summed);
            search.Absorb(summed);
            Assert.True(search.Rounds <= 12, "the narrowed search must converge in a few rounds");
        }

        return search.Tau;
    }
}

/// <summary>Partitions sum g(w_i) of the regularizer; the coordinator's Ω from those sums is Ω(p) of the whole vector.</summary>
public class RegularizerSumsTests
{
    [Theory]
    [MemberData(nameof(MapTestUtil.ThresholdMaps), MemberType = typeof(MapTestUtil))]
    public void RegularizerFromSums_OfTheWeightsAtTau_EqualsRegularizerOfP(string name)
    {
        var map = (IThresholdMap)Map(name);
        var rng = new Random(31);
        for (var c = 0; c < 100; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 300);
            var p = new double[theta.Length];
            var tau = map.Forward(theta, p);
            double terms = 0, weights = 0;
            foreach (var t in theta)
            {
                var w = map.Weight(t, tau);
                terms += map.RegularizerTerm(w);
                weights += w;
            }

            var expected = map.Regularizer(p);
            Assert.True(Math.Abs(expected - map.RegularizerFromSums(terms, weights)) <= 1e-9 * Math.Max(1, Math.Abs(expected)),
                $"{name} case {c}: Ω(p) = {expected:R}, from sums {map.RegularizerFromSums(terms, weights):R}");
        }
    }
}
