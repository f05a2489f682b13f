using Hfy.Kernels.Scoring;

namespace Hfy.Kernels.Tests.Scoring;

/// <summary>The candidate selections agree with a brute-force sort, NaN and ±∞ included.</summary>
public class CandidateSelectionTests
{
    private static float[] Scores(int seed, int n, double nonFinite)
    {
        var rng = new Random(seed);
        var s = new float[n];
        for (var i = 0; i < n; i++)
        {
            var u = rng.NextDouble();
            s[i] = u < nonFinite / 3 ? float.NaN
                : u < 2 * nonFinite / 3 ? float.NegativeInfinity
                : u < nonFinite ? float.PositiveInfinity
                // Few distinct values, so that ties at the bound and at the cut are common.
                : (float)Math.Round(rng.NextDouble() * 40) / 8f;
        }

        return s;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void TopAbove_EqualsSortingEveryScoreAboveTheBound(double nonFinite)
    {
        for (var c = 0; c < 300; c++)
        {
            var rng = new Random(c);
            var scores = Scores(c, 1 + rng.Next(200), nonFinite);
            var bound = Math.Round(rng.NextDouble() * 40) / 8 - 0.5;
            var inclusive = c % 2 == 0;
            var cap = 1 + rng.Next(40);

            var keep = Candidates.TopAbove(scores, bound, inclusive, cap, out var complete);

            var above = Enumerable.Range(0, scores.Length)
                .Where(i => float.IsFinite(scores[i]) && (scores[i] > bound || (inclusive && scores[i] == bound)))
                .OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
            Assert.Equal(above.Length <= cap, complete);
            Assert.Equal(Math.Min(cap, above.Length), keep.Length);
            // The same scores in the same order (which of several tied rows at the cut is kept is free).
            Assert.Equal(above.Take(cap).Select(i => scores[i]), keep.Select(i => scores[i]));
            Assert.All(keep.Zip(keep.Skip(1)), pair => Assert.True(
                scores[pair.First] > scores[pair.Second] || (scores[pair.First] == scores[pair.Second] && pair.First < pair.Second)));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(1.0)]
    public void MaxFinite_EqualsAScalarScan(double nonFinite)
    {
        for (var c = 0; c < 100; c++)
        {
            var scores = Scores(1000 + c, c * 7, nonFinite);
            var finite = scores.Where(float.IsFinite).ToArray();
            var (max, count) = Candidates.MaxFinite(scores);
            Assert.Equal(finite.Length, count);
            Assert.Equal(finite.Length == 0 ? double.NegativeInfinity : finite.Max(), max);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 300)]
    [InlineData(4, 5000)]
    public void SelectDescending_EqualsTheSortedPosition_WithTies(int seed, int n)
    {
        var s = Scores(seed, n, 0.0);
        var sorted = s.OrderByDescending(v => v).ToArray();
        foreach (var index in new[] { 0, n / 3, n / 2, n - 1 }.Distinct())
        {
            var work = (float[])s.Clone();
            Assert.Equal(sorted[index], Hfy.Kernels.Structured.Selection.SelectDescending<float>(work, index));
            Assert.Equal(sorted, work.OrderByDescending(v => v).ToArray());
            var d = s.Select(v => (double)v).ToArray();
            Assert.Equal(sorted[index], Hfy.Kernels.Structured.Selection.SelectDescending<double>(d, index));
        }
    }
}
