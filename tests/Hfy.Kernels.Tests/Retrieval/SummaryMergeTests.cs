using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>Merging the partitions' answers gives the whole bank's answer: the bank split at random cut points vs one partition.</summary>
public class SummaryMergeTests
{
    private const int Rows = 400, Dim = 6;

    private static (float[] Rows, float[] Scores) Block(int seed, double spread)
    {
        var rows = new float[Rows * Dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, (ulong)seed, Dim, 0, rows);
        var rng = new Random(seed);
        var scores = new float[Rows];
        for (var i = 0; i < Rows; i++) scores[i] = (float)(spread * rng.NextDouble());
        scores[rng.Next(Rows)] = float.NegativeInfinity; // a masked row
        return (rows, scores);
    }

    private static int[] Cuts(int seed, int parts)
    {
        var rng = new Random(seed);
        return [0, .. Enumerable.Range(0, parts - 1).Select(_ => rng.Next(Rows + 1)).Order(), Rows];
    }

    private static ScoreSummary[] Split(CandidateRule rule, float[] rows, float[] scores, int[] cuts, CandidateCaps caps, int pairCap)
    {
        var parts = new ScoreSummary[cuts.Length - 1];
        for (var p = 0; p < parts.Length; p++)
        {
            var (a, b) = (cuts[p], cuts[p + 1]);
            parts[p] = PartitionScoring.Summarize(rule, scores.AsSpan(a, b - a), rows.AsSpan(a * Dim, (b - a) * Dim), Dim, a, caps, pairCap, -1);
        }

        return parts;
    }

    [Theory]
    [InlineData(1, 3.0)]
    [InlineData(2, 900.0)]
    [InlineData(3, 0.001)]
    public void OnlineSoftmax_OfPartitions_EqualsTheWholeBank(int seed, double spread)
    {
        var (rows, scores) = Block(seed, spread);
        var rule = new CandidateRule(MapSpec.Softmax, MapFactory.Create(MapSpec.Softmax));
        var whole = SummaryMerge.Softmax(Split(rule, rows, scores, [0, Rows], new CandidateCaps(1, 0, 0), 0), Dim);
        var merged = SummaryMerge.Softmax(Split(rule, rows, scores, Cuts(seed, 5), new CandidateCaps(1, 0, 0), 0), Dim);

        // Brute force: p = softmax(θ), z = Xᵀp, Ω(p) = Σ p log p.
        double max = scores.Where(float.IsFinite).Max();
        var w = scores.Select(s => float.IsFinite(s) ? Math.Exp(s - max) : 0).ToArray();
        var total = w.Sum();
        var z = new double[Dim];
        double omega = 0;
        for (var i = 0; i < Rows; i++)
        {
            var pi = w[i] / total;
            if (pi > 0) omega += pi * Math.Log(pi);
            for (var k = 0; k < Dim; k++) z[k] += pi * rows[i * Dim + k];
        }

        foreach (var state in new[] { whole, merged })
        {
            Assert.Equal(max, state.Max);
            var got = new double[Dim];
            state.Readout(got);
            for (var k = 0; k < Dim; k++) Assert.Equal(z[k], got[k], 1e-12);
            Assert.Equal(omega, state.NegEntropy, 1e-10);
        }
    }

    [Theory]
    [InlineData("sparsemax", 1.0, 400)]
    [InlineData("sparsemax", 1.0, 5)]
    [InlineData("entmax-1.5", 3.0, 7)]
    [InlineData("ksubsets-4", 2.0, 6)]
    [InlineData("seq-ksubsets-3", 5.0, 400)]
    [InlineData("seq-ksubsets-3", 5.0, 4)]
    public void CandidateUnion_OfPartitions_HoldsEveryRowAboveTheGlobalBound(string name, double spread, int cap)
    {
        var spec = TestMaps.Parse(name);
        var rule = new CandidateRule(spec, MapFactory.Create(spec));
        for (var seed = 0; seed < 20; seed++)
        {
            var (rows, scores) = Block(100 + seed, spread);
            var union = SummaryMerge.Candidates(rule, Split(rule, rows, scores, Cuts(seed, 4), new CandidateCaps(cap, 2, 1), 0), Dim);

            var finite = scores.Where(float.IsFinite).Select(s => (double)s).OrderDescending().ToArray();
            var anchor = finite[rule.AnchorRank - 1];
            var bound = rule.Bound(anchor);
            var above = Enumerable.Range(0, Rows)
                .Where(i => float.IsFinite(scores[i]) && (scores[i] > bound || (rule.Inclusive && scores[i] == bound)))
                .Select(i => (long)i).ToHashSet();

            Assert.Equal(finite[0], union.Max);
            Assert.Equal(anchor, union.Anchor);
            Assert.Equal(finite.Length, union.Finite);
            if (union.Complete) Assert.True(above.SetEquals(union.Candidates.Select(c => c.Id)), "a complete union lists every row above the bound");
            if (cap >= Rows) Assert.True(union.Complete, "uncut lists are complete");
            // Every listed candidate is above the bound, with its own score; a cut union still bounds what it left out.
            Assert.All(union.Candidates, c => Assert.Contains(c.Id, above));
            Assert.All(union.Candidates, c => Assert.Equal(scores[c.Id], c.Score));
            if (!union.Complete)
            {
                var listed = union.Candidates.Select(c => c.Id).ToHashSet();
                Assert.All(above.Where(i => !listed.Contains(i)), i => Assert.True(scores[i] <= union.Floor, $"row {i} left out above the floor"));
            }

            // Shipped rows are the rows of their candidates.
            Assert.All(union.Candidates.Where(c => c.Row.Length == Dim), c => Assert.Equal(rows.AsSpan((int)c.Id * Dim, Dim).ToArray(), c.Row.ToArray()));
        }
    }

    [Fact]
    public void ProbeAndReadout_OfPartitions_AddUpToTheWholeBank()
    {
        var (rows, scores) = Block(7, 2.0);
        var map = (IThresholdMap)MapFactory.Create(MapSpec.Entmax(1.5));
        double[] taus = [0.1, 0.5, 0.9];
        var cuts = Cuts(7, 6);
        var parts = new List<MassSummary[][]>();
        var readouts = new List<ReadoutPart[]>();
        for (var p = 0; p + 1 < cuts.Length; p++)
        {
            var (a, b) = (cuts[p], cuts[p + 1]);
            parts.Add([PartitionScoring.Probe(map, scores.AsSpan(a, b - a), taus)]);
            readouts.Add([PartitionScoring.Readout(ReadoutMode.Threshold, map, 0.5, null, null, scores.AsSpan(a, b - a), rows.AsSpan(a * Dim, (b - a) * Dim), Dim, a, 1000)]);
        }

        var whole = PartitionScoring.Probe(map, scores, taus);
        var summed = SummaryMerge.Probe(parts, 0, taus.Length);
        for (var t = 0; t < taus.Length; t++)
        {
            // Sums of a few hundred terms in another order: equal to float64 rounding, relative.
            Assert.Equal(whole[t].Mass, summed[t].Mass, 1e-13 * Math.Max(1, Math.Abs(whole[t].Mass)));
            Assert.Equal(whole[t].Slope, summed[t].Slope, 1e-13 * Math.Max(1, Math.Abs(whole[t].Slope)));
            Assert.Equal(whole[t].Count, summed[t].Count);
        }

        var merged = SummaryMerge.Readout(readouts, 0, Dim);
        var z = new double[Dim];
        double sum = 0;
        long count = 0;
        for (var i = 0; i < Rows; i++)
        {
            if (!float.IsFinite(scores[i])) continue;
            var w = map.Weight(scores[i], 0.5);
            if (!(w > 0)) continue;
            sum += w;
            count++;
            for (var k = 0; k < Dim; k++) z[k] += w * rows[i * Dim + k];
        }

        Assert.Equal(sum, merged.WeightSum, 1e-12);
        Assert.Equal(count, merged.Count);
        for (var k = 0; k < Dim; k++) Assert.Equal(z[k], merged.Z[k], 1e-12 * Math.Max(1, Math.Abs(z[k])));
    }

    [Fact]
    public void SoftmaxFinal_DecidesTheSupportFromCutPairs_OrAsksForACount()
    {
        // Partition 0: three rows near the max. Partition 1: one row near the max and many far below (weight 0 in float64).
        float[] near = [10f, 9.5f, 9f];
        var far = Enumerable.Repeat(-2000f, 50).Prepend(9.75f).ToArray();
        var rule = new CandidateRule(MapSpec.Softmax, MapFactory.Create(MapSpec.Softmax));
        var rows0 = new float[near.Length * Dim];
        var rows1 = new float[far.Length * Dim];
        var p0 = PartitionScoring.Summarize(rule, near, rows0, Dim, 0, new CandidateCaps(1, 0, 0), 2, -1);
        var p1 = PartitionScoring.Summarize(rule, far, rows1, Dim, 3, new CandidateCaps(1, 0, 0), 2, -1);
        var state = SummaryMerge.Softmax([p0, p1], Dim);

        var final = SummaryMerge.SoftmaxFinal([p0, p1], state.Max, state.Z);
        // Partition 0 cut its list at 2 of 3 rows whose smallest still weighs > 0: it counts every row (3).
        // Partition 1 cut at 2 rows, but what it left out (≤ −2000) weighs 0: its listed positive pair counts (1).
        Assert.True(final.Decided);
        Assert.Equal(4, final.Support);
        Assert.Equal([0L, 1L, 3L], final.Pairs.Select(x => x.Id).Order());

        // When neither rule decides (rows left out between), only a count can.
        float[] mixed = [9.75f, 9f, -2000f];
        var p2 = PartitionScoring.Summarize(rule, mixed, new float[3 * Dim], Dim, 3, new CandidateCaps(1, 0, 0), 1, -1);
        var s2 = SummaryMerge.Softmax([p0, p2], Dim);
        Assert.False(SummaryMerge.SoftmaxFinal([p0, p2], s2.Max, s2.Z).Decided);
        Assert.Equal(2, PartitionScoring.SupportCount(mixed, s2.Max, s2.Z));
    }

    [Fact]
    public void OnlineSoftmaxState_MergeCarriesTheEntropyPart()
    {
        var (rows, scores) = Block(9, 4.0);
        var a = OnlineSoftmax.FromScores(scores.AsSpan(0, 150), rows.AsSpan(0, 150 * Dim), Dim);
        var b = OnlineSoftmax.FromScores(scores.AsSpan(150), rows.AsSpan(150 * Dim), Dim);
        var all = OnlineSoftmax.FromScores(scores, rows, Dim);
        var merged = OnlineSoftmax.MergeAll([b, a], Dim);
        Assert.Equal(all.Max, merged.Max);
        Assert.Equal(all.Z, merged.Z, 1e-12);
        Assert.Equal(all.S, merged.S, 1e-10);
        Assert.Equal(all.NegEntropy, merged.NegEntropy, 1e-12);
    }
}
