using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class SequentialKSubsetsTests
{
    private static long[] Range(int n) => Enumerable.Range(0, n).Select(i => (long)i).ToArray();

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SparseCandidateSolve_EqualsDenseSolve_OnRandomProblems(bool compat)
    {
        var rng = new Random(compat ? 17 : 16);
        int prunedSomething = 0;
        for (int rep = 0; rep < 150; rep++)
        {
            int n = rng.Next(5, 400), k = rng.Next(1, Math.Min(8, n) + 1);
            double w = new[] { 0, 0.3, 0.5, 1, -0.6, 3 }[rng.Next(6)];
            double spread = new[] { 0.5, 2, 5 }[rng.Next(3)];
            var theta = Enumerable.Range(0, n).Select(_ => spread * Gaussian(rng)).ToArray();
            var dense = SequentialKSubsets.Solve(Range(n), theta, k, w, compat);

            // What the distributed coordinator does: gather θ_i ≥ θ_(k) − CandidateMargin(w).
            double kth = theta.OrderByDescending(t => t).ElementAt(k - 1);
            double bound = kth - SequentialKSubsets.CandidateMargin(w);
            var positions = Range(n).Where(i => theta[i] >= bound).ToArray();
            var scores = positions.Select(i => theta[i]).ToArray();
            if (positions.Length < n) prunedSomething++;
            var sparse = SequentialKSubsets.Solve(positions, scores, k, w, compat);

            var full = new double[n];
            for (int j = 0; j < positions.Length; j++) full[positions[j]] = sparse.Marginals[j];
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(dense.Marginals[i] - full[i]) <= 1e-12, $"rep {rep} n={n} k={k} w={w} i={i}: dense {dense.Marginals[i]} sparse {full[i]}");
            Assert.Equal(dense.Iterations, sparse.Iterations);
        }
        Assert.True(prunedSomething > 100);
    }

    [Fact]
    public void TightMargin_IsEnoughForTheDefaultFormulation()
    {
        var rng = new Random(99);
        for (int rep = 0; rep < 100; rep++)
        {
            int n = rng.Next(5, 300), k = rng.Next(1, 7);
            if (k > n) k = n;
            double w = rng.NextDouble() * 2 - 0.5;
            var theta = Enumerable.Range(0, n).Select(_ => Gaussian(rng)).ToArray();
            var dense = SequentialKSubsets.Solve(Range(n), theta, k, w, compat: false).Marginals;
            double kth = theta.OrderByDescending(t => t).ElementAt(k - 1);
            double bound = kth - SequentialKSubsets.CandidateMargin(w, compat: false);
            var positions = Range(n).Where(i => theta[i] >= bound).ToArray();
            var sparse = SequentialKSubsets.Solve(positions, positions.Select(i => theta[i]).ToArray(), k, w, false).Marginals;
            for (int j = 0; j < positions.Length; j++) Assert.Equal(dense[positions[j]], sparse[j], 12);
            // Rows outside the margin carry no weight.
            for (int i = 0; i < n; i++) if (theta[i] < bound) Assert.Equal(0, dense[i]);
        }
    }

    [Fact]
    public void Map_Forward_EqualsSolveOnAllRows_AndHasMassK()
    {
        var rng = new Random(8);
        for (int rep = 0; rep < 30; rep++)
        {
            int n = rng.Next(10, 3000), k = rng.Next(1, 11);
            double w = rng.NextDouble();
            bool compat = rep % 2 == 1;
            var theta = Enumerable.Range(0, n).Select(_ => 2 * Gaussian(rng)).ToArray();
            var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(k, w, compat));
            var p = new double[n];
            Assert.True(double.IsNaN(map.Forward(theta, p)));
            var reference = SequentialKSubsets.Solve(Range(n), theta, k, w, compat).Marginals;
            for (int i = 0; i < n; i++) Assert.Equal(reference[i], p[i], 12);
            Assert.Equal(k, p.Sum(), 9);
            Assert.Equal(k, map.OutputMass);
        }
    }

    [Fact]
    public void Map_WithMaskedRows_NeverSelectsThem_AndMaskBreaksAdjacency()
    {
        var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(2, 100));
        double[] theta = [0, 5, double.NegativeInfinity, 5, 0];
        var p = new double[5];
        map.Forward(theta, p);
        Assert.Equal(0, p[2]);
        Assert.Equal(2, p.Sum(), 12);
        // With the mask, {1, 3} is not adjacent: the pairs (0,1) and (3,4) tie at 105 and split the mass.
        Assert.Equal(new[] { 0.5, 0.5, 0, 0.5, 0.5 }, p.Select(v => Math.Round(v, 9)).ToArray());
    }

    [Fact]
    public void Map_Backward_MatchesFiniteDifferences()
    {
        var rng = new Random(23);
        int n = 40;
        var theta = Enumerable.Range(0, n).Select(_ => Gaussian(rng)).ToArray();
        var dp = Enumerable.Range(0, n).Select(_ => Gaussian(rng)).ToArray();
        var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(4, 0.4));
        var p = new double[n];
        map.Forward(theta, p);
        var dtheta = new double[n];
        map.Backward(theta, p, dp, dtheta);
        const double h = 1e-6;
        var pp = new double[n];
        var pm = new double[n];
        for (int i = 0; i < n; i++)
        {
            var plus = (double[])theta.Clone(); plus[i] += h;
            var minus = (double[])theta.Clone(); minus[i] -= h;
            map.Forward(plus, pp);
            map.Forward(minus, pm);
            double fd = Enumerable.Range(0, n).Sum(j => dp[j] * (pp[j] - pm[j]) / (2 * h));
            Assert.Equal(fd, dtheta[i], 5);
        }
        Assert.Contains(dtheta, v => Math.Abs(v) > 1e-3);
    }

    [Fact]
    public void Map_Regularizer_GivesConjugateValue()
    {
        // Ω*(θ) = θᵀμ + w E[pairs] − ½‖μ‖² = θᵀp − Ω(p), and Ω*(θ) ≥ s(y) − ½k for every structure y.
        var theta = new double[] { 1.0716, -1.1221, -0.3288, 0.3368, 0.0425 };
        var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(2, 1));
        var p = new double[5];
        map.Forward(theta, p);
        double conj = theta.Zip(p, (t, v) => t * v).Sum() - map.Regularizer(p);
        var sol = map.LastSolution!;
        double expected = 0;
        for (int s = 0; s < sol.Structures.Count; s++) expected += sol.Weights[s] * BruteForceSparseMap.Score(sol.Structures[s], theta, 1);
        expected -= 0.5 * p.Sum(v => v * v);
        Assert.Equal(expected, conj, 12);
        foreach (var y in BruteForceSparseMap.Structures(5, 2))
            Assert.True(conj >= BruteForceSparseMap.Score(y, theta, 1) - 0.5 * 2 - 1e-12);
    }

    [Fact]
    public void Map_RejectsBadSpec_NamingTheField()
    {
        Assert.Throws<ArgumentException>(() => new SeqKSubsetsMap(MapSpec.KSubsets(2)));
        Assert.Throws<ArgumentException>(() => new SeqKSubsetsMap(MapSpec.SeqKSubsets(0, 1)));
        var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(3, 1));
        var ex = Assert.Throws<ArgumentException>(() => map.Forward([1, 2], new double[2]));
        Assert.Contains("k:", ex.Message);
        Assert.Throws<ArgumentException>(() => map.Forward([1, double.NaN, 3], new double[3]));
    }

    [Fact]
    public void Solve_RejectsBadArguments_NamingTheField()
    {
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => SequentialKSubsets.Solve([0, 1], [1.0], 1, 0, false)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialKSubsets.Solve([0, 1], [1.0, 2], 3, 0, false)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => SequentialKSubsets.Solve([0, 1], [1.0, 2], 1, double.NaN, false)).ParamName);
        Assert.Equal("positions", Assert.Throws<ArgumentException>(() => SequentialKSubsets.Solve([1, 0], [1.0, 2], 1, 0, false)).ParamName);
    }

    [Fact]
    public void MapFactory_RoutesSeqKSubsets_ToTheStructuredMap()
    {
        var map = MapFactory.Create(MapSpec.SeqKSubsets(2, 1, compat: true));
        Assert.IsType<SeqKSubsetsMap>(map);
        var p = new double[5];
        map.Forward([1.0716, -1.1221, -0.3288, 0.3368, 0.0425], p);
        Assert.Equal([0.404917, 0.385275, 0.204717, 0.614725, 0.390367], p.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Map_Regularizer_ForeignP_IsRefusedWhenPairsMatter()
    {
        var map = new SeqKSubsetsMap(MapSpec.SeqKSubsets(2, 1));
        var p = new double[4];
        map.Forward([1, 0.5, 0.2, -1], p);
        var other = (double[])p.Clone();
        other[3] += 1e-3;
        Assert.Throws<InvalidOperationException>(() => map.Regularizer(other));
        // With w = 0 the regularizer is ½‖p‖², a function of p alone.
        var plain = new SeqKSubsetsMap(MapSpec.SeqKSubsets(2, 0));
        Assert.Equal(0.5 * (0.25 + 0.25 + 1), plain.Regularizer([0.5, 0.5, 1, 0]), 12);
    }
}
