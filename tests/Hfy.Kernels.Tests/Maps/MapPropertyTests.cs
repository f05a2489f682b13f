using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>Invariants every map of <see cref="IMap"/> must satisfy, on ~200 seeded random cases each.</summary>
public class MapPropertyTests
{
    private const int Cases = 200;

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_IsNonNegativeAndSumsToTheOutputMass(string name)
    {
        var map = Map(name);
        var rng = new Random(1);
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 40);
            var p = Apply(map, theta);
            Assert.All(p, v => Assert.True(v >= 0 && v <= map.OutputMass, $"{name}: weight {v}"));
            Assert.Equal(map.OutputMass, p.Sum(), 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_IsPermutationEquivariant(string name)
    {
        var map = Map(name);
        var rng = new Random(2);
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 30);
            var perm = Enumerable.Range(0, theta.Length).OrderBy(_ => rng.Next()).ToArray();
            var p = Apply(map, theta);
            var pp = Apply(map, [.. perm.Select(i => theta[i])]);
            Close([.. perm.Select(i => p[i])], pp, 1e-12, name);
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_OfShiftedScores_IsUnchanged(string name)
    {
        var map = Map(name);
        var rng = new Random(3);
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 30);
            var shift = (rng.NextDouble() - 0.5) * 200;
            Close(Apply(map, theta), Apply(map, [.. theta.Select(t => t + shift)]), 1e-9, name);
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Backward_EqualsCentralFiniteDifferences(string name)
    {
        var map = Map(name);
        var rng = new Random(4);
        var checkedCases = 0;
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 12);
            var n = theta.Length;
            var dp = Enumerable.Range(0, n).Select(_ => Normal(rng)).ToArray();
            var v = Enumerable.Range(0, n).Select(_ => Normal(rng)).ToArray();
            const double h = 1e-6;
            var p = Apply(map, theta);
            var plus = Apply(map, [.. theta.Select((t, i) => t + (h * v[i]))]);
            var minus = Apply(map, [.. theta.Select((t, i) => t - (h * v[i]))]);
            if (!SamePattern(map, p, plus) || !SamePattern(map, p, minus))
            {
                continue; // a support boundary lies within h: the map is not differentiable there
            }

            var dtheta = new double[n];
            map.Backward(theta, p, dp, dtheta);
            var analytic = dtheta.Zip(v, (a, b) => a * b).Sum();
            var numeric = Enumerable.Range(0, n).Sum(i => (plus[i] - minus[i]) * dp[i]) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-5 * (1 + Math.Abs(numeric)),
                $"{name} case {c}: VJP {analytic:R} vs finite differences {numeric:R}");
            checkedCases++;
        }

        Assert.True(checkedCases > Cases / 2, $"{name}: only {checkedCases} cases away from support boundaries");
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_WithMaskedEntries_GivesThemZeroAndKeepsTheRest(string name)
    {
        var map = Map(name);
        var rng = new Random(5);
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 20);
            var masked = theta.SelectMany(t => rng.Next(3) == 0 ? new[] { double.NegativeInfinity, t } : [t]).ToArray();
            var p = Apply(map, masked);
            Assert.All(p.Where((_, i) => double.IsNegativeInfinity(masked[i])), v => Assert.Equal(0.0, v));
            Close(Apply(map, theta), [.. p.Where((_, i) => !double.IsNegativeInfinity(masked[i]))], 1e-12, name);
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_OfTiedScores_SplitsMassEvenly(string name)
    {
        var map = Map(name);
        foreach (var n in new[] { 3, 4, 7 })
        {
            var p = Apply(map, [.. Enumerable.Repeat(0.3, n)]);
            Close([.. Enumerable.Repeat(map.OutputMass / n, n)], p, 1e-12, name);

            // Ties at the top with a far-away rest: the tied entries share the mass.
            var theta = new double[n + 2];
            theta[0] = theta[1] = 50;
            if (map is KSubsets { K: > 2 })
            {
                continue;
            }

            var q = Apply(map, theta);
            Assert.Equal(q[0], q[1]);
            if (map is not Softmax)
            {
                Assert.Equal(map.OutputMass, q[0] + q[1], 12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_OfOneScore_IsAllMass(string name)
    {
        var map = Map(name);
        if (MinN(map) > 1)
        {
            return;
        }

        Assert.Equal([1.0], Apply(map, [-3.7]));
        Assert.Equal([0.0, 1.0, 0.0], Apply(map, [double.NegativeInfinity, 1e30, double.NegativeInfinity]));
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_OfHugeScores_IsFiniteAndCorrect(string name)
    {
        var map = Map(name);
        var p = Apply(map, [1e30, -1e30, 1e30, -1e30]);
        var top = map is KSubsets k ? Math.Min(1.0, k.K / 2.0) * (k.Normalize ? 1.0 / k.K : 1.0) : 0.5;
        if (map is KSubsets { K: 3 } k3)
        {
            Close(k3.Normalize ? [1.0 / 3, 1.0 / 6, 1.0 / 3, 1.0 / 6] : [1, 0.5, 1, 0.5], p, 1e-12, name);
            return;
        }

        Close([top, 0, top, 0], p, 1e-12, name);
        Close([.. Enumerable.Repeat(map.OutputMass / 3, 3)], Apply(map, [-1e30, -1e30, -1e30]), 1e-12, name);
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Forward_IsOneHotExactlyWhenTheTopGapReachesTheMargin(string name)
    {
        var map = Map(name);
        var margin = Margin(map);
        if (double.IsNaN(margin))
        {
            return;
        }

        if (map is KSubsets { K: var budget } && budget != Math.Floor(budget))
        {
            return; // one-hot needs a whole k; a fractional budget always leaves a partial entry
        }

        var k = map is KSubsets ks ? (int)ks.K : 1;
        var rng = new Random(6);
        for (var c = 0; c < Cases; c++)
        {
            var n = rng.Next(k + 1, 20);
            var rest = Enumerable.Range(0, n - k).Select(_ => -rng.NextDouble() * 3).ToArray();
            var restMax = rest.Max();
            var top = Enumerable.Range(0, k).Select(_ => restMax + margin + (rng.NextDouble() * 0.5)).ToArray();
            top[0] = restMax + margin; // θ_(k) − θ_(k+1) = m, as the map computes the difference
            while (restMax - top[0] > -margin)
            {
                top[0] = Math.BitIncrement(top[0]);
            }

            var theta = top.Concat(rest).ToArray();
            var p = Apply(map, theta);
            var expected = theta.Select((_, i) => i < k ? map.OutputMass / k : 0.0).ToArray();
            Assert.Equal(expected, p);

            top[0] = restMax + (margin * (1 - 1e-3));
            var below = Apply(map, [.. top.Concat(rest)]);
            Assert.True(below.Skip(k).Any(v => v > 0), $"{name} case {c}: below the margin some other entry must get weight");
        }
    }

    [Theory]
    [MemberData(nameof(AllMaps), MemberType = typeof(MapTestUtil))]
    public void Regularizer_GivesAConjugateWhoseGradientIsTheOutput(string name)
    {
        // Ω*(θ) = θᵀp − Ω(p) at p = ŷ(θ), and ∇Ω*(θ) = p (Danskin): the energy's first term is consistent.
        var map = Map(name);
        var rng = new Random(7);
        for (var c = 0; c < Cases; c++)
        {
            var theta = RandomTheta(rng, MinN(map), 15);
            var v = theta.Select(_ => Normal(rng)).ToArray();
            const double h = 1e-5;
            var numeric = (Conjugate(map, [.. theta.Select((t, i) => t + (h * v[i]))]) -
                           Conjugate(map, [.. theta.Select((t, i) => t - (h * v[i]))])) / (2 * h);
            var analytic = Apply(map, theta).Zip(v, (a, b) => a * b).Sum();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * (1 + Math.Abs(analytic)), $"{name} case {c}: dΩ* {numeric:R} vs pᵀv {analytic:R}");
        }
    }

    private static double Conjugate(IMap map, double[] theta)
    {
        var p = Apply(map, theta);
        return theta.Zip(p, (a, b) => a * b).Sum() - map.Regularizer(p);
    }

    /// <summary>Same support, and for k-subsets the same saturated set.</summary>
    private static bool SamePattern(IMap map, double[] a, double[] b)
    {
        var cap = map is KSubsets k ? (k.Normalize ? 1.0 / k.K : 1.0) : double.PositiveInfinity;
        for (var i = 0; i < a.Length; i++)
        {
            if ((a[i] > 0) != (b[i] > 0) || (a[i] >= cap) != (b[i] >= cap))
            {
                return false;
            }
        }

        return true;
    }
}
