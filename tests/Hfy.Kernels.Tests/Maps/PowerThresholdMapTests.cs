using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>The two Forward paths of the power maps (sort-based and sort-free Newton) agree to the last bits.</summary>
public class PowerThresholdMapTests
{
    public static TheoryData<string> ConvexMaps => ["sparsemax", "entmax-1.5", "entmax-1.25", "entmax-1.8", "normmax-2", "normmax-1.5", "normmax-5"];

    [Theory]
    [MemberData(nameof(ConvexMaps))]
    public void SortFreePath_OnLargeCandidateSets_EqualsTheSortedSolver(string name)
    {
        var map = (PowerThresholdMap)MapFactory.Create(Spec(name));
        var rng = new Random(21);
        foreach (var spread in new[] { 1e-6, 1e-3, 0.05, 0.3 })
        {
            for (var c = 0; c < 3; c++)
            {
                var n = PowerThresholdMap.SortFreeThreshold + 1 + rng.Next(20_000);
                var z = Enumerable.Range(0, n).Select(_ => -Math.Abs(spread * Normal(rng))).Where(v => v > -1).ToArray();
                z[rng.Next(z.Length)] = 0; // the max
                var sortFree = map.SolveShifted(z.ToArray());
                var sorted = map.SolveShifted(z.ToArray(), allowSortFree: false);
                Assert.True(Math.Abs(sortFree - sorted) <= 1e-13, $"{name} spread {spread}: sort-free τ {sortFree:R} vs sorted τ {sorted:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ConvexMaps))]
    public void Forward_OnDenseScores_SumsToOneAndMatchesItsThreshold(string name)
    {
        var map = (PowerThresholdMap)MapFactory.Create(Spec(name));
        var rng = new Random(22);
        foreach (var spread in new[] { 1e-8, 1e-4 })
        {
            var theta = Enumerable.Range(0, 60_000).Select(_ => 3 + (spread * Normal(rng))).ToArray();
            var p = new double[theta.Length];
            var tau = map.Forward(theta, p);
            Assert.Equal(1.0, p.Sum(), 1e-10); // naive float64 summation of 6e4 terms
            if (spread < 1e-6)
            {
                Assert.True(p.Count(v => v > 0) > 30_000, $"{name}: at spread {spread} most entries are in the support");
            }

            Close(p, WeightsAt(map, theta, tau), 1e-12, name);
        }
    }
}
