using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>
/// A step whose state is nearly one row speculates: it collects what a final evaluation needs, and when it ends at a
/// fixed point the query finishes without scoring the same state again. The answer must be the one the extra final
/// evaluation gives, bit for bit, on the streamed and on the resident source.
/// </summary>
public class FixedPointFinishTests
{
    private const int Rows = 3000, Dim = 16;

    public static TheoryData<string, PostTransform, bool> Cases()
    {
        var data = new TheoryData<string, PostTransform, bool>();
        foreach (var map in new[] { "softmax", "sparsemax", "entmax-1.5", "normmax-2", "ksubsets-2", "seq-ksubsets-2" })
        {
            foreach (var post in new[] { PostTransform.Identity, PostTransform.L2, PostTransform.LayerNorm })
            {
                data.Add(map, post, true);
                data.Add(map, post, false);
            }
        }
        return data;
    }

    /// <summary>Six stored rows with a little noise (they settle on their row) and two random states, normalized for the post.</summary>
    private static double[][] Queries(IPatternStore store, PostTransform post)
    {
        var rng = new Random(4);
        var row = new float[Dim];
        var queries = new List<double[]>();
        foreach (var id in new long[] { 3, 700, 701, 1500, 2222, 2999 })
        {
            store.ReadRow(id, row);
            queries.Add(row.Select(v => v + (0.02 * (rng.NextDouble() - 0.5))).ToArray());
        }
        for (var i = 0; i < 2; i++) queries.Add(Enumerable.Range(0, Dim).Select(_ => rng.NextDouble() - 0.5).ToArray());
        foreach (var q in queries) PostTransforms.NormalizeQuery(post, q);
        return [.. queries];
    }

    private static (RetrievalResult[] Results, long Passes) Run(IPatternStore rows, RetrievalOptions options, double[][] q0, bool streamed, bool finishAtFixedPoint)
    {
        var map = MapFactory.Create(options.Map);
        var driver = new RetrievalDriver(options, map, rows.Rows, Dim, new DriverSettings { FinishAtFixedPoint = finishAtFixedPoint });
        if (streamed)
        {
            var source = new StoreScoreSource(rows, options, driver.Rule);
            var results = driver.RunAsync(source, q0.Select(q => (double[])q.Clone()).ToArray()).AsTask().GetAwaiter().GetResult();
            return (results, source.Passes);
        }

        var data = new float[Rows * Dim];
        rows.DecodeRows(0, Rows, data);
        var local = new LocalScoreSource(new Bank(data, Rows, Dim), options, driver.Rule, map);
        return (driver.RunAsync(local, q0.Select(q => (double[])q.Clone()).ToArray()).AsTask().GetAwaiter().GetResult(), -1);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FinishingAtTheFixedPoint_GivesTheSameAnswer(string mapName, PostTransform post, bool streamed)
    {
        var store = new NormalizedStore(new ProceduralStore(ProceduralEnsemble.Sphere, 17, Rows, Dim), PostTransforms.RowNormalizationFor(post));
        // Softmax settles on one row only when every other weight is below float64 rounding: β (1 − cos) ≫ 37.
        var beta = mapName == "softmax" ? 2000.0 : 64.0;
        var options = new RetrievalOptions(TestMaps.Parse(mapName), beta, 6, Tol: 1e-9, Post: post);
        var q0 = Queries(store, post);
        var (plain, plainPasses) = Run(store, options, q0, streamed, finishAtFixedPoint: false);
        var (fast, fastPasses) = Run(store, options, q0, streamed, finishAtFixedPoint: true);
        for (var b = 0; b < q0.Length; b++)
        {
            Assert.Equal(plain[b].Q, fast[b].Q);
            Assert.Equal(plain[b].Ids, fast[b].Ids);
            Assert.Equal(plain[b].Weights, fast[b].Weights);
            Assert.Equal(plain[b].Steps, fast[b].Steps);
            Assert.Equal(plain[b].Energy, fast[b].Energy);
            Assert.Equal(plain[b].Retrieved, fast[b].Retrieved);
            Assert.Equal(plain[b].SupportSize, fast[b].SupportSize);
        }

        if (!streamed) return;
        // The noisy stored rows settle on a fixed point (k-subsets' μ puts weight 1 on each of its k rows), so the last
        // pass, the final evaluation at that fixed point, is saved.
        Assert.Equal(plainPasses - 1, fastPasses);
        // A single row is retrieved except by k-subsets (its fixed point mixes k rows) and under layer norm (not
        // idempotent: its eps shrinks the row a little each time, so the state is no stored row).
        if (post != PostTransform.LayerNorm && !mapName.Contains("ksubsets")) Assert.Contains(fast, r => r.Retrieved is not null);
    }

    /// <summary>Without a tolerance the final evaluation follows the step limit: a fixed point finishes only at the last step.</summary>
    [Fact]
    public void WithoutATolerance_TheStepLimitIsKept()
    {
        var store = new NormalizedStore(new ProceduralStore(ProceduralEnsemble.Sphere, 17, Rows, Dim), RowNormalization.L2);
        var options = new RetrievalOptions(MapSpec.Sparsemax, 64, 4, Tol: 0, Post: PostTransform.L2);
        var q0 = Queries(store, PostTransform.L2);
        var (plain, plainPasses) = Run(store, options, q0, streamed: true, finishAtFixedPoint: false);
        var (fast, fastPasses) = Run(store, options, q0, streamed: true, finishAtFixedPoint: true);
        Assert.All(fast, r => Assert.Equal(4, r.Steps));
        for (var b = 0; b < q0.Length; b++)
        {
            Assert.Equal(plain[b].Q, fast[b].Q);
            Assert.Equal(plain[b].Energy, fast[b].Energy);
            Assert.Equal(plain[b].Ids, fast[b].Ids);
        }
        Assert.Equal(plainPasses - 1, fastPasses);
    }
}
