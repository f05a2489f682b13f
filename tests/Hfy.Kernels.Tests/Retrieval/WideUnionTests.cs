using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>
/// A complete candidate union of more than 512 rows (a streamed store's lists) is solved on its 256 largest scores first
/// (RetrievalDriver SolveOnTop), and on the whole union only when the 256th score still carries weight. Both against brute force: the
/// map on all N float32 scores of the unfused scorer.
/// </summary>
public class WideUnionTests
{
    private const int Rows = 3000, Dim = 8, Batch = 4;

    /// <summary>(map, β, whether the support is below 256: the top solve decides; else the whole union is solved).</summary>
    public static TheoryData<string, double, bool> Cases() => new()
    {
        // Supports of 60–210 rows. With the margin alone 1,700–3,000 candidates per query; the anchor-1 maps' tightened
        // bound cuts theirs to 90–250 (the end-to-end check of that bound), k-subsets keeps ~1,900 (the top solve decides):
        { "entmax-1.5", 2.0, true },
        { "entmax-1.5", 1.0, true },
        { "ksubsets-5", 1.0, true },
        { "normmax-2", 1.0, true },
        // Supports of 340–590 rows, 700–1,600 candidates even when tightened (the whole union is solved):
        { "sparsemax", 0.02, false },
        { "entmax-1.5", 0.5, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WideUnion_Weights_EqualTheDenseSolve(string name, double beta, bool smallSupport)
    {
        var bank = new Bank(new float[Rows * Dim], Rows, Dim);
        new ProceduralStore(ProceduralEnsemble.Sphere, 9, Rows, Dim).DecodeRows(0, Rows, bank.Data);
        var queries = new float[Batch * Dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 10, Batch, Dim).DecodeRows(0, Batch, queries);
        var spec = TestMaps.Parse(name);
        var map = (IThresholdMap)MapFactory.Create(spec);
        // Streamed (a store that is not a Bank): complete candidate lists up to 4,096 per query, so the union is whole.
        var store = new ResidentStore(Rows, Dim);
        bank.Data.CopyTo(store.RowSpan(0, Rows));
        var got = HfyDynamics.RunBatch(store, queries, Batch, new RetrievalOptions(spec, beta, 0), null, out _);

        var scores = new float[Batch * Rows];
        Scorer.ScoreBatch(bank.Data, Dim, queries, Batch, beta, scores);
        var wide = 0;
        for (var b = 0; b < Batch; b++)
        {
            var theta = scores.AsSpan(b * Rows, Rows).ToArray().Select(v => (double)v).ToArray();
            var dense = new double[Rows];
            map.Forward(theta, dense);
            var bound = map.SupportBound(theta.OrderByDescending(v => v).ElementAt(map.AnchorRank - 1));
            if (theta.Count(v => v > bound) > 512) wide++;
            Assert.Equal(smallSupport, dense.Count(w => w > 0) < 256);
            var p = new double[Rows];
            for (var t = 0; t < got[b].Ids.Length; t++) p[got[b].Ids[t]] = got[b].Weights[t];
            Assert.Equal(dense.Count(w => w > 0), got[b].SupportSize);
            for (var i = 0; i < Rows; i++) Assert.True(Math.Abs(dense[i] - p[i]) <= 1e-12, $"{name} β={beta} query {b} p[{i}]: {p[i]:R} vs {dense[i]:R}");
        }

        Assert.Equal(Batch, wide);
    }
}
