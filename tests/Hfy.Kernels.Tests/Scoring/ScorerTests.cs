using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Scoring;

public class ScorerTests
{
    private static float[] Gaussian(int n, int dim, ulong seed)
    {
        var x = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, seed, dim, 0, x);
        return x;
    }

    /// <summary>β x_iᵀq in float64 and the scale Σ|β x_ij q_j| the float32 error is relative to.</summary>
    private static (double Value, double Scale) Naive(float[] x, int dim, int i, ReadOnlySpan<float> q, double beta)
    {
        double s = 0, a = 0;
        for (var j = 0; j < dim; j++)
        {
            var t = (double)x[i * dim + j] * q[j];
            s += t;
            a += Math.Abs(t);
        }
        return (beta * s, Math.Abs(beta) * a);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 13)]
    [InlineData(101, 67)]
    [InlineData(5003, 67)]   // parallel path
    [InlineData(33, 1031)]   // long rows: float64 over blocks
    public void Score_EqualsNaiveFloat64Dot(int n, int dim)
    {
        var x = Gaussian(n, dim, 1);
        var q = Gaussian(1, dim, 2);
        var scores = new float[n];
        Scorer.Score(x, dim, q, 1.7, scores);
        for (var i = 0; i < n; i++)
        {
            var (value, scale) = Naive(x, dim, i, q, 1.7);
            Assert.True(Math.Abs(scores[i] - value) <= 1e-5 * scale + 1e-30, $"row {i}: {scores[i]} vs {value}");
        }
    }

    [Theory]
    [InlineData(37, 13)]
    [InlineData(5003, 67)]
    public void Score_WithFloat64Query_EqualsNaiveTo1e12(int n, int dim)
    {
        var x = Gaussian(n, dim, 3);
        var qf = Gaussian(1, dim, 4);
        var q = qf.Select(v => v * 1.000001).ToArray();
        var scores = new double[n];
        Scorer.Score(x, dim, q, 0.5, scores);
        for (var i = 0; i < n; i++)
        {
            double s = 0, a = 0;
            for (var j = 0; j < dim; j++)
            {
                s += (double)x[i * dim + j] * q[j];
                a += Math.Abs((double)x[i * dim + j] * q[j]);
            }
            Assert.True(Math.Abs(scores[i] - 0.5 * s) <= 1e-12 * a, $"row {i}");
        }
    }

    [Theory]
    [InlineData(1, 37, 13)]
    [InlineData(5, 37, 13)]
    [InlineData(17, 61, 70)]
    [InlineData(33, 1001, 67)]   // two panels, parallel path
    [InlineData(64, 50, 300)]
    [InlineData(7, 40, 1100)]    // long rows: float32 blocks summed in float64
    public void ScoreBatch_EqualsSingleQueryScoring(int batch, int n, int dim)
    {
        var x = Gaussian(n, dim, 5);
        var queries = Gaussian(batch, dim, 6);
        var scores = new float[batch * n];
        Scorer.ScoreBatch(x, dim, queries, batch, 2.0, scores);
        var single = new float[n];
        for (var b = 0; b < batch; b++)
        {
            Scorer.Score(x, dim, queries.AsSpan(b * dim, dim), 2.0, single);
            for (var i = 0; i < n; i++)
            {
                var (value, scale) = Naive(x, dim, i, queries.AsSpan(b * dim, dim), 2.0);
                Assert.True(Math.Abs(scores[b * n + i] - value) <= 1e-5 * scale, $"query {b} row {i}: {scores[b * n + i]} vs {value}");
                Assert.True(Math.Abs(scores[b * n + i] - single[i]) <= 2e-5 * scale, $"query {b} row {i}: batch vs single");
            }
        }
    }

    [Fact]
    public void Score_WithMismatchedQuery_NamesQ()
    {
        var ex = Assert.Throws<ArgumentException>(() => Scorer.Score(new float[6], 3, new float[2], 1, new float[2]));
        Assert.Equal("q", ex.ParamName);
    }

    [Fact]
    public void Readout_SparseAndDense_EqualNaiveSums()
    {
        const int n = 300, dim = 21;
        var x = Gaussian(n, dim, 7);
        int[] ids = [3, 17, 299];
        double[] w = [0.25, 0.5, 0.25];
        var z = new double[dim];
        Readout.Accumulate(x, dim, ids, w, z);
        var dense = new double[n];
        for (var j = 0; j < ids.Length; j++) dense[ids[j]] = w[j];
        var zd = new double[dim];
        Readout.Dense(x, dim, dense, zd);
        for (var k = 0; k < dim; k++)
        {
            var expected = 0.25 * x[3 * dim + k] + 0.5 * (double)x[17 * dim + k] + 0.25 * x[299 * dim + k];
            Assert.Equal(expected, z[k], 1e-14);
            Assert.Equal(expected, zd[k], 1e-14);
        }
    }

    [Fact]
    public void Readout_Dense_OnParallelPath_EqualsNaive()
    {
        const int n = 12000, dim = 40; // 8000 nonzero weights × 40 ≥ Scorer.ParallelThreshold
        var x = Gaussian(n, dim, 8);
        var w = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 0.0 : 1.0 / n).ToArray();
        var z = new double[dim];
        Readout.Dense(x, dim, w, z);
        var ids = Enumerable.Range(0, n).Where(i => w[i] != 0).ToArray();
        var zs = new double[dim];
        Readout.Accumulate(x, dim, ids, ids.Select(i => w[i]).ToArray(), zs);
        for (var k = 0; k < dim; k++)
        {
            var expected = 0.0;
            for (var i = 0; i < n; i++) expected += w[i] * x[i * dim + k];
            Assert.Equal(expected, z[k], 1e-12);
            Assert.Equal(expected, zs[k], 1e-12);
        }
    }

    [Fact]
    public void Candidates_AboveBound_AndKthLargest_MatchBruteForce()
    {
        var s = Gaussian(1, 1003, 9);
        var found = new List<int>();
        Candidates.Above(s, 1.5f, found);
        Assert.Equal(Enumerable.Range(0, s.Length).Where(i => s[i] > 1.5f), found);
        var sorted = s.OrderByDescending(v => v).ToArray();
        Assert.Equal(sorted[0], Candidates.KthLargest(s, 1));
        Assert.Equal(sorted[6], Candidates.KthLargest(s, 7));
        var d = s.Select(v => (double)v).ToArray();
        Assert.Equal(sorted[6], Candidates.KthLargest(d, 7));
    }
}
