using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>p_t = map(β X q_t) for every step of the golden traces computed with the published code.</summary>
public class GoldenTraceTests
{
    public static TheoryData<string, string> Traces => new()
    {
        { "softmax", "softmax" },
        { "entmax1.5", "entmax-1.5" },
        { "sparsemax", "sparsemax" },
        { "entmax_bisect_a3", "entmax-3" },
        { "normmax2", "normmax-2" },
        { "normmax5", "normmax-5" },
        { "ksubsets2(budget,sum=2)", "ksubsets-2" },
    };

    [Theory]
    [MemberData(nameof(Traces))]
    public void Map_OnGoldenTraceQueries_ReproducesTheTraceWeights(string trace, string map)
    {
        var golden = Golden.Vectors;
        var steps = golden.Traces[trace];
        Assert.NotEmpty(steps);
        var m = Map(map);
        foreach (var step in steps)
        {
            Close(step.P, Apply(m, golden.Scores(step.Q)), 1e-6, $"{trace} t={step.T}");
        }
    }

    [Fact]
    public void KSubsetsTrace_UsesUnscaledMarginals()
    {
        var p = Golden.Vectors.Traces["ksubsets2(budget,sum=2)"][0].P;
        Assert.Equal(2.0, p.Sum(), 9);
        Assert.Equal(2.0, MapFactory.Create(MapSpec.KSubsets(2)).OutputMass);
    }
}
