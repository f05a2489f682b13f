using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class GenericOracleTests
{
    /// <summary>Plain k-subsets as an oracle: the top k scores (a structure family written in a few lines).</summary>
    private sealed class TopKOracle(int length, int k) : IMapOracle
    {
        public int Length => length;

        public double ExtraScore(ReadOnlySpan<int> structure) => 0;

        public int[] Maximize(ReadOnlySpan<double> eta, out double score)
        {
            var copy = eta.ToArray();
            var top = Enumerable.Range(0, length).OrderByDescending(i => copy[i]).ThenBy(i => i).Take(k).Order().ToArray();
            score = top.Sum(i => copy[i]);
            return top;
        }
    }

    [Fact]
    public void Solver_WithATopKOracle_GivesTheCappedSimplexProjection()
    {
        var rng = new Random(77);
        for (int rep = 0; rep < 100; rep++)
        {
            int n = rng.Next(2, 30), k = rng.Next(1, n + 1);
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 3 - 1.5).ToArray();
            var sol = SparseMapSolver.Solve(new TopKOracle(n, k), theta);
            var expected = SparseMapSolverTests.CappedSimplexProjection(theta, k);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], sol.Marginals[i], 9);
            Assert.True(sol.Converged);
            Assert.True(sol.Iterations >= 1);
        }
    }

    [Fact]
    public void Solver_WithAnIterationCap_StopsUnconverged_AndReportsThePositiveGap()
    {
        var theta = Enumerable.Range(0, 12).Select(i => Math.Sin(i)).ToArray();
        var capped = SparseMapSolver.Solve(new TopKOracle(12, 4), theta, new SparseMapOptions(MaxIterations: 2));
        Assert.False(capped.Converged);
        Assert.True(capped.Gap > 1e-6);
        Assert.Equal(2, capped.Iterations);
        Assert.Equal(1.0, capped.Weights.Sum(), 12);
    }
}
