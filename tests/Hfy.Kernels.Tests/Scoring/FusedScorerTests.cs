using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Scoring;

public class FusedScorerTests
{
    /// <summary>A Gaussian bank in which every 5th row repeats an earlier one (tied scores), plus unit queries.</summary>
    private static (Bank Bank, float[] Queries) TiedBank(int n, int dim, int batch)
    {
        var data = new float[n * dim];
        new ProceduralStore(ProceduralEnsemble.Gaussian, 21, n, dim).DecodeRows(0, n, data);
        for (var i = 5; i < n; i += 5) data.AsSpan((i / 3) * dim, dim).CopyTo(data.AsSpan(i * dim, dim));
        var queries = new float[batch * dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 22, batch, dim).DecodeRows(0, batch, queries);
        // Query 0 is a stored (duplicated) row: its max is tied.
        data.AsSpan(10 * dim, dim).CopyTo(queries);
        return (new Bank(data, n, dim), queries);
    }

    public static TheoryData<int, int, double> Shapes() => new()
    {
        { 2111, 13, 0.01 },
        { 2111, 13, 1.0 },
        { 2111, 64, 100.0 },
        { 40, 7, 3.0 },
        { 1500, 64, 10.0 },
    };

    /// <summary>
    /// 70 queries run every fused kernel (AVX-512: 4-vector and 1-vector blocks; AVX2: 2-vector and 1-vector ones):
    /// each gives the unfused scores to the bit, and the fused max is the max of those scores.
    /// </summary>
    [Theory]
    [InlineData(301, 13)]
    [InlineData(301, 64)]
    public void Fused_OfManyQueries_EqualsUnfusedToTheBit(int n, int dim)
    {
        const int batch = 70;
        const double beta = 2.5;
        var (bank, queries) = TiedBank(n, dim, batch);
        var scores = new float[batch * n];
        Scorer.ScoreBatch(bank.Data, dim, queries, batch, beta, scores);
        var tile = new float[batch * n];
        FusedScorer.ScoreTile(bank, 0, n, queries, batch, beta, tile);
        Assert.Equal(scores, tile);
        var fused = FusedScorer.Run(bank, queries, batch, FusedScoreRequest.ForAll(beta, batch, new QueryReduction()));
        for (var b = 0; b < batch; b++) Assert.Equal((double)scores.AsSpan(b * n, n).ToArray().Max(), fused[b].Max);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_EqualsUnfused_MaxSoftmaxAndCandidates(int n, int dim, double beta)
    {
        const int batch = 7;
        var (bank, queries) = TiedBank(n, dim, batch);
        var reductions = Enumerable.Range(0, batch).Select(b => (b % 3) switch
        {
            0 => new QueryReduction(Softmax: true, Margin: 1.0),
            1 => new QueryReduction(Margin: 0.5 * beta, K: 3),
            _ => new QueryReduction(Softmax: true, Margin: 2.0 * beta),
        }).ToArray();
        var fused = FusedScorer.Run(bank, queries, batch, new FusedScoreRequest(beta, reductions, CandidateCap: 100_000));

        var scores = new float[batch * n];
        Scorer.ScoreBatch(bank.Data, dim, queries, batch, beta, scores);
        var tile = new float[batch * n];
        FusedScorer.ScoreTile(bank, 0, n, queries, batch, beta, tile);
        Assert.Equal(scores, tile);
        for (var b = 0; b < batch; b++)
        {
            var s = scores.AsSpan(b * n, n).ToArray();
            var r = fused[b];
            var q = reductions[b];
            Assert.Equal((double)s.Max(), r.Max);
            var reference = (double)s.OrderByDescending(v => v).ElementAt(q.K - 1);
            Assert.Equal(reference, r.Reference);
            var bound = reference - q.Margin!.Value;
            Assert.Equal(bound, r.Bound);
            var expectedIds = Enumerable.Range(0, n).Where(i => s[i] > bound).Select(i => (long)i).ToArray();
            Assert.Equal(expectedIds, r.Ids);
            Assert.Equal(expectedIds.Select(i => s[i]).ToArray(), r.Scores);
            Assert.False(r.CapHit);
            if (q.Softmax)
            {
                var expected = OnlineSoftmax.FromScores(s, bank.Data, dim);
                var got = r.Softmax!.Value;
                Assert.Equal(expected.Max, got.Max);
                Assert.Equal(expected.Z, got.Z, expected.Z * 1e-12);
                var scale = expected.R.Max(Math.Abs) + 1;
                for (var k = 0; k < dim; k++) Assert.Equal(expected.R[k], got.R[k], scale * 1e-12);
            }
            else
            {
                Assert.Null(r.Softmax);
            }
        }
        // The tied max of query 0 (a stored row and its copies) is found with every copy.
        Assert.True(fused[0].Ids.Length >= 2);
    }

    [Fact]
    public void Fused_OnProceduralStore_EqualsFusedOnItsMaterializedCopy()
    {
        const int n = 5000, dim = 32, batch = 13;
        var store = new ProceduralStore(ProceduralEnsemble.SphereSqrtD, 31, n, dim);
        using var resident = PatternStores.Materialize(store);
        var queries = new float[batch * dim];
        new ProceduralStore(ProceduralEnsemble.Gaussian, 32, batch, dim).DecodeRows(0, batch, queries);
        var request = FusedScoreRequest.ForAll(0.7, batch, new QueryReduction(Softmax: true, Margin: 3, K: 2));
        var a = FusedScorer.Run(store, queries, batch, request);
        var b = FusedScorer.Run(resident, queries, batch, request);
        for (var q = 0; q < batch; q++)
        {
            Assert.Equal(b[q].Max, a[q].Max);
            Assert.Equal(b[q].Ids, a[q].Ids);
            Assert.Equal(b[q].Scores, a[q].Scores);
            Assert.Equal(b[q].Softmax!.Value.Z, a[q].Softmax!.Value.Z);
            Assert.Equal(b[q].Softmax!.Value.R, a[q].Softmax!.Value.R);
        }
    }

    [Fact]
    public void CapHit_IsReported_AndTheExactSecondPassRecoversEveryCandidate()
    {
        const int n = 3000, dim = 16, batch = 4;
        var (bank, queries) = TiedBank(n, dim, batch);
        const double beta = 1.0;
        var request = FusedScoreRequest.ForAll(beta, batch, new QueryReduction(Margin: 1.5), candidateCap: 5);
        var first = FusedScorer.Run(bank, queries, batch, request);
        var scores = new float[batch * n];
        Scorer.ScoreBatch(bank.Data, dim, queries, batch, beta, scores);
        for (var b = 0; b < batch; b++)
        {
            var s = scores.AsSpan(b * n, n).ToArray();
            var expected = Enumerable.Range(0, n).Where(i => s[i] > first[b].Bound).Select(i => (long)i).ToArray();
            Assert.True(expected.Length > 5, "the test needs more candidates than the cap");
            Assert.True(first[b].CapHit);
            Assert.Equal(5, first[b].Ids.Length);
            // The kept five are the five largest scores.
            Assert.Equal(s.OrderByDescending(v => v).Take(5), first[b].Scores.OrderByDescending(v => v));
        }
        var exact = FusedScorer.RunExact(bank, queries, batch, request);
        for (var b = 0; b < batch; b++)
        {
            var s = scores.AsSpan(b * n, n).ToArray();
            var expected = Enumerable.Range(0, n).Where(i => s[i] > first[b].Bound).Select(i => (long)i).ToArray();
            Assert.False(exact[b].CapHit);
            Assert.Equal(expected, exact[b].Ids);
            Assert.Equal(first[b].Max, exact[b].Max);
        }
    }

    /// <summary>
    /// Over many chunks (run in parallel, with bounds shared between them) a cut candidate list is the cap largest
    /// of the complete one, ties going to the lower id: brute force over the uncapped list, with a block of duplicated
    /// rows tied exactly at the cut and every row of a second store tied (then the list is the cap lowest ids).
    /// </summary>
    [Theory]
    [InlineData(64)]
    [InlineData(1000)]
    [InlineData(4096)]
    public void CutLists_OverManyChunks_AreTheCapLargest_TiesToTheLowerId(int cap)
    {
        const int n = 200_000, dim = 16, batch = 3;
        var (bank, queries) = TiedBank(n, dim, batch);
        // 30,000 copies of one row spread over the store: query 1 ties them all, near the top of its scores.
        var data = bank.Data.ToArray();
        for (var i = 7; i < n; i += 7) bank.Row(3).CopyTo(data.AsSpan(i * dim, dim));
        bank.Row(3).CopyTo(queries.AsSpan(dim, dim));
        var store = new Bank(data, n, dim);
        foreach (var softmax in new[] { false, true })
        {
            var reduction = new QueryReduction(Softmax: softmax, Margin: 40);
            var all = FusedScorer.Run(store, queries, batch, FusedScoreRequest.ForAll(1.0, batch, reduction, candidateCap: n));
            var cut = FusedScorer.Run(store, queries, batch, FusedScoreRequest.ForAll(1.0, batch, reduction, candidateCap: cap));
            for (var b = 0; b < batch; b++)
            {
                Assert.False(all[b].CapHit);
                var expected = all[b].Ids.Zip(all[b].Scores).OrderByDescending(p => p.Second).ThenBy(p => p.First).Take(cap).Select(p => p.First).Order().ToArray();
                Assert.Equal(all[b].Ids.Length > cap, cut[b].CapHit);
                Assert.Equal(expected, cut[b].Ids);
                Assert.Equal(all[b].Bound, cut[b].Bound);
            }
        }

        // Every row the same: the cap lowest ids.
        var same = new float[n * dim];
        for (var i = 0; i < n; i++) bank.Row(0).CopyTo(same.AsSpan(i * dim, dim));
        var flat = FusedScorer.Run(new Bank(same, n, dim), queries.AsSpan(0, dim), 1, FusedScoreRequest.ForAll(1.0, 1, new QueryReduction(Margin: 1.0), candidateCap: cap));
        Assert.True(flat[0].CapHit);
        Assert.Equal(Enumerable.Range(0, cap).Select(i => (long)i).ToArray(), flat[0].Ids);
    }

    [Fact]
    public void Cap_EqualToTheCandidateCount_IsNotHit()
    {
        const int n = 2000, dim = 16;
        var (bank, queries) = TiedBank(n, dim, 1);
        var all = FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1.0, 1, new QueryReduction(Margin: 1.0), candidateCap: 100_000));
        var count = all[0].Ids.Length;
        Assert.True(count > 1);
        var capped = FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1.0, 1, new QueryReduction(Margin: 1.0), candidateCap: count));
        Assert.False(capped[0].CapHit);
        Assert.Equal(all[0].Ids, capped[0].Ids);
        var under = FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1.0, 1, new QueryReduction(Margin: 1.0), candidateCap: count - 1));
        Assert.True(under[0].CapHit);
    }

    [Fact]
    public void SoftmaxTolerance_BoundsTheSkippedMass()
    {
        const int n = 4000, dim = 32, batch = 3;
        var (bank, queries) = TiedBank(n, dim, batch);
        var exact = FusedScorer.Run(bank, queries, batch, FusedScoreRequest.ForAll(20, batch, new QueryReduction(Softmax: true)));
        var cut = FusedScorer.Run(bank, queries, batch, FusedScoreRequest.ForAll(20, batch, new QueryReduction(Softmax: true), softmaxTolerance: 1e-6));
        for (var b = 0; b < batch; b++)
        {
            var z = exact[b].Softmax!.Value.Z;
            Assert.InRange(z - cut[b].Softmax!.Value.Z, 0, 1e-6 * z);
        }
    }

    /// <summary>
    /// At large β with a tolerance almost every row lies below the cutoff: whole tiles (hinted: every tile but the stored
    /// row's) and single rows of a lane group skip the exponential. The sums are still exactly those of the rows above
    /// the cutoff (with the final max as hint; without it a row may also count under a lower running max), and the
    /// minimum score is exact.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SoftmaxSums_SkipOnlyRowsBelowTheCutoff_AndKeepTheExactMinimum(bool hinted)
    {
        const int n = 20_000, dim = 16;
        const double beta = 400, tolerance = 1e-9;
        var data = new float[n * dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 31, n, dim).DecodeRows(0, n, data);
        var bank = new Bank(data, n, dim);
        int[] stored = [5, 12_345, 19_999];
        var batch = stored.Length;
        var queries = new float[batch * dim];
        for (var b = 0; b < batch; b++) data.AsSpan(stored[b] * dim, dim).CopyTo(queries.AsSpan(b * dim, dim));
        var scores = new float[batch * n];
        Scorer.ScoreBatch(data, dim, queries, batch, beta, scores);
        var reductions = Enumerable.Range(0, batch)
            .Select(b => new QueryReduction(Softmax: true, MaxHint: hinted ? scores.AsSpan(b * n, n).ToArray().Max() : double.NegativeInfinity))
            .ToArray();
        var fused = FusedScorer.Run(bank, queries, batch, new FusedScoreRequest(beta, reductions, 4096, tolerance));
        var cutoff = Math.Min(746, -Math.Log(tolerance / n));
        for (var b = 0; b < batch; b++)
        {
            var s = scores.AsSpan(b * n, n).ToArray();
            var max = (double)s.Max();
            var cut = FusedScorer.FloorFloat(max - cutoff);
            var above = Enumerable.Range(0, n).Where(i => s[i] > cut).ToArray();
            Assert.InRange(above.Length, 1, n / 100);
            var z = above.Sum(i => Math.Exp(s[i] - max));
            var all = Enumerable.Range(0, n).Sum(i => Math.Exp(s[i] - max));
            var got = fused[b].Softmax!.Value;
            Assert.Equal((double)s.Min(), fused[b].Min);
            Assert.Equal(max, got.Max);
            if (hinted)
            {
                Assert.Equal(z, got.Z, 1e-12 * z);
                for (var k = 0; k < dim; k++)
                {
                    var r = above.Sum(i => Math.Exp(s[i] - max) * data[(i * dim) + k]);
                    Assert.Equal(r, got.R[k], 1e-12 * z);
                }
            }
            else
            {
                Assert.InRange(got.Z, z * (1 - 1e-12), all * (1 + 1e-12));
            }
        }
    }

    [Fact]
    public void MaxHint_AboveEveryScore_IsReportedAndKeepsSumsConsistent()
    {
        const int n = 500, dim = 8;
        var (bank, queries) = TiedBank(n, dim, 1);
        var plain = FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1, 1, new QueryReduction(Softmax: true)));
        var hinted = FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1, 1, new QueryReduction(Softmax: true, MaxHint: plain[0].Max)));
        Assert.Equal(plain[0].Max, hinted[0].Max);
        Assert.Equal(plain[0].Softmax!.Value.LogSumExp, hinted[0].Softmax!.Value.LogSumExp, 1e-12);
    }

    [Fact]
    public void Run_WithBadReduction_NamesTheRequest()
    {
        var (bank, queries) = TiedBank(50, 4, 1);
        var ex = Assert.Throws<ArgumentException>(() => FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1, 1, new QueryReduction(K: 0))));
        Assert.Equal("request", ex.ParamName);
        Assert.Contains("K must be ≥ 1", ex.Message);
    }

    [Fact]
    public void ForMap_GivesEachMapsSupportBound()
    {
        var sparsemax = QueryReduction.ForMap(MapFactory.Create(MapSpec.Sparsemax));
        Assert.Equal(1.0, sparsemax.Margin);
        Assert.Equal(1, sparsemax.K);
        var ksub = QueryReduction.ForMap(MapFactory.Create(MapSpec.KSubsets(4)));
        Assert.Equal(4, ksub.K);
        Assert.Equal(1.0, ksub.Margin);
        var softmax = QueryReduction.ForMap(MapFactory.Create(MapSpec.Softmax));
        Assert.True(softmax.Softmax);
        Assert.False(softmax.CollectsCandidates);
        // Anchor rank 1 maps tighten their bound with their own solve; k-subsets (anchor rank k) does not.
        Assert.Equal(MapSpec.Sparsemax, sparsemax.Tighten);
        Assert.Null(ksub.Tighten);
    }

    [Fact]
    public void Tighten_NeedsKOneAndAThresholdMap()
    {
        var (bank, queries) = TiedBank(50, 4, 1);
        foreach (var bad in new[] { new QueryReduction(Margin: 1, K: 2, Tighten: MapSpec.Sparsemax), new QueryReduction(Margin: 1, Tighten: MapSpec.KSubsets(3)) })
        {
            var ex = Assert.Throws<ArgumentException>(() => FusedScorer.Run(bank, queries, 1, FusedScoreRequest.ForAll(1, 1, bad)));
            Assert.Equal("request", ex.ParamName);
            Assert.Contains("Tighten needs K = 1", ex.Message);
        }
    }

    /// <summary>
    /// The tightened bound (the map solved on the 64 largest scores) against brute force over the unfused scores, with
    /// 2111 rows in 6 chunks: the candidates are exactly the rows above the reported bound, they hold the whole support
    /// of the map on all N scores, the bound is never below the reference bound, and the lists shrink (measured in all
    /// 7 queries: 23 → 18 rows up to 14,402 → 330; each case asks for about half its measured factor).
    /// </summary>
    [Theory]
    [InlineData("sparsemax", 4.0, 1.2)]
    [InlineData("sparsemax", 0.05, 20)]
    [InlineData("entmax-1.5", 4.0, 1.2)]
    [InlineData("entmax-1.5", 1.0, 4)]
    [InlineData("entmax-1.5", 0.2, 4)]
    [InlineData("normmax-2", 1.0, 2)]
    public void TightenedBound_KeepsTheWholeSupport_AndExactlyTheRowsAboveIt(string name, double beta, double fewerBy)
    {
        const int n = 2111, dim = 13, batch = 7;
        var spec = Retrieval.TestMaps.Parse(name);
        var map = (IThresholdMap)MapFactory.Create(spec);
        var (bank, queries) = TiedBank(n, dim, batch);
        var reduction = QueryReduction.ForMap(map);
        Assert.NotNull(reduction.Tighten);
        var fused = FusedScorer.Run(bank, queries, batch, FusedScoreRequest.ForAll(beta, batch, reduction, candidateCap: 100_000));
        var loose = FusedScorer.Run(bank, queries, batch, FusedScoreRequest.ForAll(beta, batch, reduction with { Tighten = null }, candidateCap: 100_000));
        var scores = new float[batch * n];
        Scorer.ScoreBatch(bank.Data, dim, queries, batch, beta, scores);
        long kept = 0, keptLoose = 0;
        for (var b = 0; b < batch; b++)
        {
            var s = scores.AsSpan(b * n, n).ToArray();
            var r = fused[b];
            Assert.False(r.CapHit);
            Assert.True(r.Bound >= loose[b].Bound, $"query {b}: bound {r.Bound:R} below the reference bound {loose[b].Bound:R}");
            Assert.Equal(Enumerable.Range(0, n).Where(i => s[i] > r.Bound).Select(i => (long)i).ToArray(), r.Ids);
            var dense = new double[n];
            map.Forward(s.Select(v => (double)v).ToArray(), dense);
            var support = Enumerable.Range(0, n).Where(i => dense[i] > 0).Select(i => (long)i).ToArray();
            Assert.Empty(support.Except(r.Ids));
            kept += r.Ids.Length;
            keptLoose += loose[b].Ids.Length;
        }

        Assert.True(kept * fewerBy <= keptLoose, $"{name} β={beta}: {kept} candidates with the tightened bound vs {keptLoose} without");
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(20.0)]
    public void SparsemaxStep_OnCandidates_EqualsTheDenseStep(double beta)
    {
        const int n = 20_000, dim = 16, batch = 6;
        var store = new ProceduralStore(ProceduralEnsemble.Sphere, 41, n, dim);
        var bank = new Bank(new float[n * dim], n, dim);
        store.DecodeRows(0, n, bank.Data);
        var queries = new float[batch * dim];
        for (var b = 0; b < batch; b++)
        {
            // Stored pattern 1000·b plus a little noise.
            for (var k = 0; k < dim; k++) queries[b * dim + k] = bank.Data[1000 * b * dim + k] + 0.05f * (float)CounterRngProxy(b * dim + k);
        }
        var map = new Sparsemax();
        var fused = FusedScorer.Run(store, queries, batch, FusedScoreRequest.ForAll(beta, batch, QueryReduction.ForMap(map)));
        var scores = new float[batch * n];
        Scorer.ScoreBatch(bank.Data, dim, queries, batch, beta, scores);
        for (var b = 0; b < batch; b++)
        {
            var dense = new double[n];
            map.Forward(scores.AsSpan(b * n, n).ToArray().Select(v => (double)v).ToArray(), dense);
            var sparse = new double[fused[b].Ids.Length];
            map.Forward(fused[b].Scores.Select(v => (double)v).ToArray(), sparse);
            Assert.False(fused[b].CapHit);
            var expectedSupport = Enumerable.Range(0, n).Where(i => dense[i] > 0).Select(i => (long)i).ToArray();
            Assert.Equal(expectedSupport, fused[b].Ids.Where((_, j) => sparse[j] > 0).ToArray());
            for (var j = 0; j < sparse.Length; j++) Assert.Equal(dense[fused[b].Ids[j]], sparse[j], 1e-12);

            var zDense = new double[dim];
            Readout.Dense(bank.Data, dim, dense, zDense);
            var zSparse = new double[dim];
            Readout.Accumulate(store, fused[b].Ids, sparse, zSparse);
            for (var k = 0; k < dim; k++) Assert.Equal(zDense[k], zSparse[k], 1e-12);
        }
    }

    private static double CounterRngProxy(int i) => Hfy.Kernels.Storage.CounterRng.Gaussian(77, (ulong)i, 0);

    [Fact]
    public void SoftmaxWeightExponential_IsWithinAFewUlpOfMathExp_DownToTheSubnormals()
    {
        var rng = new Random(5);
        var d = Enumerable.Range(0, 20_000).Select(i => i < 10 ? -(double)i : -rng.NextDouble() * 746).Concat([-708.3, -709.9, -744.9, -745.1, -1e-300, -0.34657359027997264, -0.34657359027997270]).ToArray();
        var got = new double[d.Length];
        SoftmaxLanes.ExpOf(d, got);
        for (var i = 0; i < d.Length; i++)
        {
            var want = Math.Exp(d[i]);
            var tol = want >= 2.2250738585072014e-308 ? 4e-16 * want : 1e-323;
            Assert.True(Math.Abs(got[i] - want) <= tol, $"e^{d[i]:R}: {got[i]:R} vs {want:R}");
        }
    }
}
