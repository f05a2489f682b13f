using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class SequentialKSubsetsReferenceTests
{
    // Copied from /work/shared/data/golden_vectors.json (float64, published code; beta = 2, q_{t+1} = Xᵀμ_t).
    private static readonly double[][] GoldenX = [[1.0, 0.0, 0.5], [0.8, 0.6, 0.0], [-0.5, 1.0, 0.2], [0.0, -1.0, 1.0], [0.3, 0.3, 0.9]];
    private static readonly double[] GoldenQ0 = [0.9, 0.2, 0.4];
    private const double GoldenBeta = 2.0;
    private static readonly Dictionary<string, (double[] Q, double[] P)[]> GoldenTraces = new()
    {
        ["seq_ksubsets2_w1_inner1000"] = [([0.9, 0.2, 0.4], [0.7625, 0.7625, 0.0, 0.2375, 0.2375]), ([1.44375, 0.29125, 0.8325], [0.909375, 0.78, 0.0, 0.090625, 0.22]), ([1.599375, 0.443375, 0.7433125], [1.0, 0.881859375, 0.0, 0.0, 0.118140625]), ([1.7409296875, 0.5645578125, 0.6063265625], [1.0, 0.9970691406, 0.0, 0.0, 0.0029308594])],
        ["seq_ksubsets2_w1_inner10(default)"] = [([0.9, 0.2, 0.4], [0.7625, 0.7625, 0.0, 0.2375, 0.2375]), ([1.44375, 0.29125, 0.8325], [0.909375, 0.78, 0.0, 0.090625, 0.22]), ([1.599375, 0.443375, 0.7433125], [1.0, 0.881859375, 0.0, 0.0, 0.118140625]), ([1.7409296875, 0.5645578125, 0.6063265625], [1.0, 0.9970691406, 0.0, 0.0, 0.0029308594])],
    };

    private static readonly double[] Figure2 = [1.0716, -1.1221, -0.3288, 0.3368, 0.0425];

    private static double[] SolveDense(double[] theta, int k, double w, bool compat, SparseMapOptions? options = null)
    {
        var positions = Enumerable.Range(0, theta.Length).Select(i => (long)i).ToArray();
        return SequentialKSubsets.Solve(positions, theta, k, w, compat, options).Marginals;
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] expected {expected[i]} got {actual[i]} (all: {string.Join(", ", actual)})");
    }

    [Fact]
    public void Default_OnFigure2_MatchesReferenceVector()
    {
        // docs/math.md §2: default formulation, k = 2, w = 1 (the exact solution has these terminating decimals).
        AssertClose([0.4765, 0.27055, 0.0761, 0.72945, 0.4474], SolveDense(Figure2, 2, 1, compat: false), 1e-9);
    }

    [Fact]
    public void Default_OnFigure2_Converges_WithTinyGap()
    {
        var positions = Enumerable.Range(0, 5).Select(i => (long)i).ToArray();
        var sol = SequentialKSubsets.Solve(positions, Figure2, 2, 1, compat: false);
        Assert.True(sol.Converged);
        Assert.InRange(sol.Gap, -1e-12, 1e-9);
        Assert.Equal(1.0, sol.Weights.Sum(), 12);
        Assert.Equal(2.0, sol.Marginals.Sum(), 12);
    }

    [Fact]
    public void PublishedFormulation_Converged_OnFigure2_MatchesReferenceVector()
    {
        // Published formulation run to convergence = default on (θ/2, w/2) without the cap.
        AssertClose([0.435800, 0.338950, 0.235600, 0.568400, 0.421250],
            SolveDense(Figure2, 2, 1, compat: true, SparseMapOptions.Exact), 1e-6);
    }

    [Fact]
    public void Compat_OnFigure2_ReproducesTheTenIterationCap()
    {
        AssertClose([0.404917, 0.385275, 0.204717, 0.614725, 0.390367], SolveDense(Figure2, 2, 1, compat: true), 1e-6);
    }

    [Fact]
    public void PublishedFormulation_EqualsDefaultOnHalvedScores()
    {
        var half = Figure2.Select(t => t / 2).ToArray();
        AssertClose(SolveDense(half, 2, 0.5, compat: false), SolveDense(Figure2, 2, 1, compat: true, SparseMapOptions.Exact), 1e-12);
    }

    [Theory]
    [InlineData("seq_ksubsets2_w1_inner1000", 1000)]
    [InlineData("seq_ksubsets2_w1_inner10(default)", 10)]
    public void Compat_ReproducesGoldenTrace(string name, int inner)
    {
        var x = GoldenX;
        var q = GoldenQ0;
        double beta = GoldenBeta;
        var options = new SparseMapOptions(MaxIterations: inner);
        var positions = Enumerable.Range(0, x.Length).Select(i => (long)i).ToArray();
        foreach (var (expectedQ, expectedP) in GoldenTraces[name])
        {
            AssertClose(expectedQ, q, 1e-6);
            var theta = x.Select(row => beta * row.Zip(q, (a, b) => a * b).Sum()).ToArray();
            var p = SequentialKSubsets.Solve(positions, theta, 2, 1, compat: true, options).Marginals;
            AssertClose(expectedP, p, 1e-6);
            // q_{t+1} = Xᵀ μ_t (unscaled marginals).
            q = Enumerable.Range(0, q.Length).Select(d => Enumerable.Range(0, x.Length).Sum(i => x[i][d] * p[i])).ToArray();
        }
    }

    [Fact]
    public void Default_OnGoldenQ0_SelectsTheFirstPairExactly()
    {
        // golden_vectors.json notes: in the default formulation p_0 is [1, 1, 0, 0, 0].
        var x = GoldenX;
        var q = GoldenQ0;
        double beta = GoldenBeta;
        var theta = x.Select(row => beta * row.Zip(q, (a, b) => a * b).Sum()).ToArray();
        AssertClose([1, 1, 0, 0, 0], SolveDense(theta, 2, 1, compat: false), 1e-9);
    }
}
