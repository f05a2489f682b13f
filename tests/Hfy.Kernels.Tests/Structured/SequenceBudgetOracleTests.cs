using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class SequenceBudgetOracleTests
{
    private static long[] RandomPositions(Random rng, int n)
    {
        // Mostly contiguous runs with occasional gaps, so adjacency and its breaks both occur.
        var positions = new long[n];
        long p = rng.Next(0, 5);
        for (int i = 0; i < n; i++)
        {
            positions[i] = p;
            p += rng.NextDouble() < 0.75 ? 1 : rng.Next(2, 5);
        }
        return positions;
    }

    [Fact]
    public void PrunedOracle_ReturnsTheFullDpStructure_On10000RandomProblems()
    {
        var rng = new Random(42);
        double[] bonuses = [0, 0.3, -0.3, 1, -1, 2.5, 1e3];
        long totalCandidates = 0, totalRows = 0;
        for (int rep = 0; rep < 10_000; rep++)
        {
            int n = rng.Next(1, 80), k = rng.Next(1, Math.Min(10, n) + 1);
            double w = rep % 3 == 0 ? rng.NextDouble() * 4 - 2 : bonuses[rng.Next(bonuses.Length)];
            var positions = RandomPositions(rng, n);
            var eta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
            var pruned = new SequenceBudgetOracle(positions, k, w);
            var full = new SequenceBudgetOracle(positions, k, w, prune: false);
            var a = pruned.Maximize(eta, out double scoreA);
            var b = full.Maximize(eta, out double scoreB);
            Assert.Equal(b, a);
            Assert.Equal(scoreB, scoreA, 10);
            Assert.Equal(k, a.Length);
            totalCandidates += pruned.LastCandidateCount;
            totalRows += n;
        }
        Assert.True(totalCandidates < totalRows, "pruning never removed a row");
    }

    [Fact]
    public void Oracle_MatchesExhaustiveSearch_OnSmallSequences()
    {
        var rng = new Random(5);
        for (int rep = 0; rep < 500; rep++)
        {
            int n = rng.Next(1, 11), k = rng.Next(1, n + 1);
            double w = rng.NextDouble() * 4 - 2;
            var positions = RandomPositions(rng, n);
            var eta = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var y = new SequenceBudgetOracle(positions, k, w).Maximize(eta, out double score);
            double best = double.NegativeInfinity;
            for (int mask = 0; mask < 1 << n; mask++)
            {
                if (System.Numerics.BitOperations.PopCount((uint)mask) != k) continue;
                double s = 0;
                for (int i = 0; i < n; i++)
                {
                    if ((mask >> i & 1) == 0) continue;
                    s += eta[i];
                    if (i > 0 && (mask >> (i - 1) & 1) == 1 && positions[i] - positions[i - 1] == 1) s += w;
                }
                best = Math.Max(best, s);
            }
            Assert.Equal(best, score, 10);
            double ys = y.Sum(i => eta[i]) + new SequenceBudgetOracle(positions, k, w).ExtraScore(y);
            Assert.Equal(best, ys, 10);
        }
    }

    [Fact]
    public void Oracle_OnSparsePositions_GivesNoBonusAcrossGaps()
    {
        // Rows 0,1 adjacent; row at position 5 is not adjacent to position 3.
        var oracle = new SequenceBudgetOracle([0, 1, 3, 5], 2, 10);
        var y = oracle.Maximize([0.1, 0.1, 1, 1], out double score);
        Assert.Equal([0, 1], y);
        Assert.Equal(10.2, score, 12);
        Assert.Equal(0, oracle.ExtraScore([2, 3]));
    }

    [Fact]
    public void Oracle_RejectsUnsortedPositions_NamingTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SequenceBudgetOracle([0, 2, 2], 1, 0));
        Assert.Equal("positions", ex.ParamName);
    }
}
