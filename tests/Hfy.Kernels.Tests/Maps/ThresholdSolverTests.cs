using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class ThresholdSolverTests
{
    [Fact]
    public void Solve_FindsTheGlobalAnchorWhenTheTopKIsSpreadOverPartitions()
    {
        // The 3 largest scores sit in three different partitions; one partition is fully masked, one empty.
        float[] a = [5f, 0.1f, 0.2f];
        float[] b = [float.NegativeInfinity, float.NegativeInfinity];
        float[] c = [4.5f, 0.3f];
        float[] d = [4.8f, -1f, 0f];
        var map = new KSubsets(3);
        var result = ThresholdSolver.Solve(map, [a, b, c, Array.Empty<float>(), d]);
        Assert.Equal(8, result.Count);

        double[] theta = [.. a, .. b, .. c, .. d];
        var expected = Apply(map, theta);
        Close(expected, WeightsAt(map, theta, result.Tau), 1e-12);
        Assert.Equal([1.0, 0, 0, 0, 0, 1, 0, 1, 0, 0], expected); // θ_(3) − θ_(4) ≥ 1: one structure
    }

    [Fact]
    public void Solve_WithFewerFiniteScoresThanTheAnchorRank_NamesPartitions()
    {
        var ex = Assert.Throws<ArgumentException>(() => ThresholdSolver.Solve(new KSubsets(2), [new[] { 1f, float.NegativeInfinity }]));
        Assert.Equal("partitions", ex.ParamName);
    }
}
