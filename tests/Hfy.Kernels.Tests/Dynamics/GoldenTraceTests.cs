using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Dynamics;

/// <summary>Reproduces the q- and p-traces of golden_vectors.json through <see cref="HfyDynamics.Run(Bank, ReadOnlySpan{float}, RetrievalOptions)"/>.</summary>
public class GoldenTraceTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "softmax", "entmax1.5", "sparsemax", "entmax_bisect_a3", "normmax2", "normmax5",
                     "ksubsets2(budget,sum=2)", "l2norm_sparsemax", "l2norm_normmax2", "l2norm_softmax" })
        {
            for (var t = 0; t <= 3; t++) data.Add(name, t);
        }
        return data;
    }

    private static (MapSpec Map, PostTransform Post) Describe(string name) => name switch
    {
        "softmax" => (MapSpec.Softmax, PostTransform.Identity),
        "entmax1.5" => (MapSpec.Entmax(1.5), PostTransform.Identity),
        "sparsemax" => (MapSpec.Sparsemax, PostTransform.Identity),
        "entmax_bisect_a3" => (MapSpec.Entmax(3), PostTransform.Identity),
        "normmax2" => (MapSpec.Normmax(2), PostTransform.Identity),
        "normmax5" => (MapSpec.Normmax(5), PostTransform.Identity),
        "ksubsets2(budget,sum=2)" => (MapSpec.KSubsets(2), PostTransform.Identity),
        "l2norm_sparsemax" => (MapSpec.Sparsemax, PostTransform.L2),
        "l2norm_normmax2" => (MapSpec.Normmax(2), PostTransform.L2),
        "l2norm_softmax" => (MapSpec.Softmax, PostTransform.L2),
        _ => throw new ArgumentException(name),
    };

    private static Bank GoldenBank() => new(Golden.Vectors.XFlat, Golden.Vectors.X.Length, Golden.Vectors.X[0].Length);

    private static float[] GoldenQ0() => Golden.Vectors.Q0.Select(v => (float)v).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_ForTSteps_ReproducesGoldenStateAndWeights(string trace, int t)
    {
        var bank = GoldenBank();
        var (map, post) = Describe(trace);
        var entry = Golden.Vectors.Traces[trace][t];
        Assert.Equal(t, entry.T);

        var result = HfyDynamics.Run(bank, GoldenQ0(), new RetrievalOptions(map, Golden.Vectors.Beta, t, Post: post));

        Assert.Equal(t, result.Steps);
        var q = entry.Q;
        for (var k = 0; k < 3; k++) Assert.True(Math.Abs(q[k] - result.Q[k]) <= 1e-6, $"q[{k}]: {result.Q[k]} vs {q[k]}");
        var p = entry.P;
        var dense = new double[5];
        for (var j = 0; j < result.Ids.Length; j++) dense[result.Ids[j]] = result.Weights[j];
        for (var i = 0; i < 5; i++) Assert.True(Math.Abs(p[i] - dense[i]) <= 1e-6, $"p[{i}]: {dense[i]} vs {p[i]}");
        Assert.Equal(p.Count(v => v > 0), result.Support);
        Assert.Equal(t + 1, result.Energy.Length);
    }

    [Fact]
    public void Entmax3_RetrievesPatternZeroExactlyAfterOneStep()
    {
        var bank = GoldenBank();
        var q0 = GoldenQ0();
        Assert.Null(HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Entmax(3), 2.0, 0)).Retrieved);
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Entmax(3), 2.0, 3));
        Assert.Equal(0L, result.Retrieved);
        Assert.Equal([0L], result.Ids);
    }
}
