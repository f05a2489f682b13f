using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class SparseMapSolverTests
{
    private static long[] Range(int n) => Enumerable.Range(0, n).Select(i => (long)i).ToArray();

    [Fact]
    public void SeqKSubsets_ForEverySmallProblem_MatchesBruteForceQp()
    {
        var rng = new Random(20261123);
        int checkedProblems = 0;
        double worst = 0;
        foreach (double w in new[] { 0, 0.3, 1, 1e3 })
        {
            for (int n = 1; n <= 10; n++)
            {
                for (int k = 1; k <= Math.Min(4, n); k++)
                {
                    for (int rep = 0; rep < 2; rep++)
                    {
                        var theta = Enumerable.Range(0, n).Select(_ => 2 * (rng.NextDouble() * 2 - 1)).ToArray();
                        var sol = SequentialKSubsets.Solve(Range(n), theta, k, w, compat: false);
                        var reference = BruteForceSparseMap.Solve(theta, k, w);
                        for (int i = 0; i < n; i++)
                        {
                            double err = Math.Abs(sol.Marginals[i] - reference[i]);
                            worst = Math.Max(worst, err);
                            Assert.True(err <= 1e-7,
                                $"n={n} k={k} w={w} i={i}: solver {sol.Marginals[i]} brute force {reference[i]}");
                        }
                        Assert.True(sol.Converged);
                        Assert.InRange(sol.Gap, -1e-9, 1e-9);
                        checkedProblems++;
                    }
                }
            }
        }
        Assert.Equal(4 * 34 * 2, checkedProblems);
        Assert.True(worst <= 1e-7);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(-0.5)]
    public void SeqKSubsets_OnTiedScores_MatchesBruteForceQp(double w)
    {
        // Degenerate inputs: all-equal scores and integer ties make many structures tie and the active set
        // affinely dependent candidates likely.
        var cases = new[]
        {
            new double[10],
            new double[] { 1, 1, 0, 0, 1, 1, 0, 0, 1, 1 },
            new double[] { 2, 0, 2, 0, 2, 0, 2, 0, 2 },
            new double[] { 0.5, 0.5, 0.5, -1, 0.5, 0.5, 0.5, 0.5 },
        };
        foreach (var theta in cases)
        {
            for (int k = 1; k <= 4; k++)
            {
                var sol = SequentialKSubsets.Solve(Range(theta.Length), theta, k, w, compat: false);
                var reference = BruteForceSparseMap.Solve(theta, k, w);
                for (int i = 0; i < theta.Length; i++)
                    Assert.True(Math.Abs(sol.Marginals[i] - reference[i]) <= 1e-7,
                        $"θ=[{string.Join(",", theta)}] k={k} w={w} i={i}: solver {sol.Marginals[i]} brute force {reference[i]}");
                Assert.True(sol.Converged);
            }
        }
    }

    [Fact]
    public void SeqKSubsets_SolutionIsOptimal_AgainstEveryStructure()
    {
        // Certificate independent of the oracle: no structure's linearized value exceeds the active ones'.
        var rng = new Random(7);
        for (int rep = 0; rep < 50; rep++)
        {
            int n = rng.Next(4, 11), k = rng.Next(1, Math.Min(4, n) + 1);
            double w = new[] { -0.7, 0, 0.3, 1, 1e3 }[rng.Next(5)];
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 3 - 1.5).ToArray();
            var sol = SequentialKSubsets.Solve(Range(n), theta, k, w, compat: false);
            var eta = theta.Zip(sol.Marginals, (t, m) => t - m).ToArray();
            double current = 0;
            for (int s = 0; s < sol.Structures.Count; s++) current += sol.Weights[s] * BruteForceSparseMap.Score(sol.Structures[s], eta, w);
            foreach (var y in BruteForceSparseMap.Structures(n, k))
                Assert.True(BruteForceSparseMap.Score(y, eta, w) <= current + 1e-9 * Math.Max(1, Math.Abs(current)));
            Assert.All(sol.Weights, a => Assert.True(a > 0));
            Assert.Equal(1.0, sol.Weights.Sum(), 12);
        }
    }

    [Fact]
    public void SeqKSubsets_OnLargerProblems_IsOptimalByTheFullDp()
    {
        // Certificate with the unpruned O(N·k) DP: no structure beats the active ones at θ − μ.
        var rng = new Random(1234);
        for (int rep = 0; rep < 40; rep++)
        {
            int n = rng.Next(50, 400), k = rng.Next(1, 30);
            double w = new[] { -1, -0.2, 0.2, 0.5, 2, 50 }[rng.Next(6)];
            // AR(1) scores so that high rows come in runs and the pair bonus matters.
            var theta = new double[n];
            double prev = 0;
            for (int i = 0; i < n; i++) theta[i] = prev = 0.8 * prev + 0.6 * (rng.NextDouble() * 4 - 2);
            var sol = SequentialKSubsets.Solve(Range(n), theta, k, w, compat: false);
            Assert.True(sol.Converged, $"rep {rep}: not converged after {sol.Iterations} iterations");
            Assert.Equal(k, sol.Marginals.Sum(), 9);
            Assert.All(sol.Marginals, m => Assert.InRange(m, -1e-12, 1 + 1e-12));
            var eta = theta.Zip(sol.Marginals, (t, m) => t - m).ToArray();
            var full = new SequenceBudgetOracle(Range(n), k, w, prune: false);
            full.Maximize(eta, out double best);
            double current = 0;
            for (int s = 0; s < sol.Structures.Count; s++)
                current += sol.Weights[s] * (sol.Structures[s].Sum(i => eta[i]) + full.ExtraScore(sol.Structures[s]));
            Assert.True(best <= current + 1e-8, $"rep {rep}: a structure improves by {best - current}");
        }
    }

    [Fact]
    public void SeqKSubsets_WithZeroBonus_EqualsKSubsetsProjection()
    {
        var rng = new Random(3);
        for (int rep = 0; rep < 200; rep++)
        {
            int n = rng.Next(1, 60), k = rng.Next(1, Math.Min(8, n) + 1);
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            var mu = SequentialKSubsets.Solve(Range(n), theta, k, 0, compat: false).Marginals;
            var expected = CappedSimplexProjection(theta, k);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], mu[i], 9);
        }
    }

    [Fact]
    public void SeqKSubsets_OnReferenceScores_WithZeroBonus_GivesTwoSubsetsReference()
    {
        // docs/math.md §6: 2-subsets of θ = [0, .25, .5, .75, 1] is [0, .125, .375, .625, .875].
        var mu = SequentialKSubsets.Solve(Range(5), [0, 0.25, 0.5, 0.75, 1], 2, 0, compat: false).Marginals;
        double[] expected = [0, 0.125, 0.375, 0.625, 0.875];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], mu[i], 12);
    }

    [Fact]
    public void SeqKSubsets_WithHugeBonus_SelectsOneContiguousBlock()
    {
        var theta = new double[] { 0.3, -0.2, 2.9, 2.1, 2.8, -1.0, 0.2 };
        var mu = SequentialKSubsets.Solve(Range(7), theta, 3, 1e3, compat: false).Marginals;
        // Best contiguous block of 3: [2,3,4] scores 7.8, the next ([1,2,3]) 4.8: a gap above ‖1_s − 1_t‖² = 2.
        double[] expected = [0, 0, 1, 1, 1, 0, 0];
        for (int i = 0; i < 7; i++) Assert.Equal(expected[i], mu[i], 9);
    }

    [Fact]
    public void Backward_MatchesCentralFiniteDifferences()
    {
        var rng = new Random(11);
        int tested = 0;
        for (int rep = 0; rep < 40; rep++)
        {
            int n = rng.Next(3, 12), k = rng.Next(1, Math.Min(4, n) + 1);
            double w = new[] { 0, 0.3, 1, -0.4 }[rng.Next(4)];
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var dmu = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var sol = SequentialKSubsets.Solve(Range(n), theta, k, w, compat: false);
            var dtheta = new double[n];
            SequentialKSubsets.Backward(sol, dmu, dtheta);
            const double h = 1e-6;
            for (int i = 0; i < n; i++)
            {
                var plus = (double[])theta.Clone(); plus[i] += h;
                var minus = (double[])theta.Clone(); minus[i] -= h;
                var mp = SequentialKSubsets.Solve(Range(n), plus, k, w, compat: false).Marginals;
                var mm = SequentialKSubsets.Solve(Range(n), minus, k, w, compat: false).Marginals;
                double fd = 0;
                for (int j = 0; j < n; j++) fd += dmu[j] * (mp[j] - mm[j]) / (2 * h);
                Assert.True(Math.Abs(fd - dtheta[i]) <= 1e-5, $"rep {rep} n={n} k={k} w={w} i={i}: vjp {dtheta[i]} fd {fd}");
            }
            tested++;
        }
        Assert.Equal(40, tested);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_WithRespectToW_MatchesFiniteDifferences(bool compat)
    {
        var rng = new Random(compat ? 51 : 50);
        var options = SparseMapOptions.Exact;
        for (int rep = 0; rep < 30; rep++)
        {
            int n = rng.Next(4, 12), k = rng.Next(2, Math.Min(4, n) + 1);
            double w = rng.NextDouble() * 1.5 - 0.3;
            var theta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var dmu = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var sol = SequentialKSubsets.Solve(Range(n), theta, k, w, compat, options);
            var dtheta = new double[n];
            double dw = SequentialKSubsets.Backward(sol, Range(n), dmu, dtheta);
            const double h = 1e-6;
            var mp = SequentialKSubsets.Solve(Range(n), theta, k, w + h, compat, options).Marginals;
            var mm = SequentialKSubsets.Solve(Range(n), theta, k, w - h, compat, options).Marginals;
            double fd = Enumerable.Range(0, n).Sum(j => dmu[j] * (mp[j] - mm[j]) / (2 * h));
            Assert.True(Math.Abs(fd - dw) <= 1e-5, $"rep {rep}: dw {dw} fd {fd}");
        }
    }

    [Fact]
    public void Map_Backward_MatchesFiniteDifferences_InPublishedFormulation()
    {
        // Converged published formulation (no cap): μ(θ) = μ_default(θ/2, w/2), so the VJP carries the factor ½.
        var theta = new double[] { 1.0716, -1.1221, -0.3288, 0.3368, 0.0425, 0.61 };
        var dmu = new double[] { 0.3, -1.2, 0.5, 0.9, -0.1, 0.25 };
        var options = SparseMapOptions.Exact;
        var sol = SequentialKSubsets.Solve(Range(6), theta, 2, 1, compat: true, options);
        var dtheta = new double[6];
        SequentialKSubsets.Backward(sol, dmu, dtheta);
        const double h = 1e-6;
        for (int i = 0; i < 6; i++)
        {
            var plus = (double[])theta.Clone(); plus[i] += h;
            var minus = (double[])theta.Clone(); minus[i] -= h;
            var mp = SequentialKSubsets.Solve(Range(6), plus, 2, 1, true, options).Marginals;
            var mm = SequentialKSubsets.Solve(Range(6), minus, 2, 1, true, options).Marginals;
            double fd = Enumerable.Range(0, 6).Sum(j => dmu[j] * (mp[j] - mm[j]) / (2 * h));
            Assert.Equal(fd, dtheta[i], 5);
        }
    }

    internal static double[] CappedSimplexProjection(double[] theta, int k)
    {
        // μ_i = clip(θ_i − τ, 0, 1), Σμ = k, τ by bisection (independent of the solver).
        double lo = theta.Min() - 1, hi = theta.Max();
        for (int it = 0; it < 200; it++)
        {
            double mid = 0.5 * (lo + hi);
            double mass = theta.Sum(t => Math.Clamp(t - mid, 0, 1));
            if (mass > k) lo = mid; else hi = mid;
        }
        double tau = 0.5 * (lo + hi);
        return theta.Select(t => Math.Clamp(t - tau, 0, 1)).ToArray();
    }
}
