using Hfy.Kernels.Classical;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Classical;

/// <summary>
/// The blocked float64 products of the baselines against one query and one row at a time: equal bit for bit, on
/// shapes that take every path (4 × 4 tiles, edge rows and queries, 32- and 8-column readout tiles, the scalar tail,
/// more than one 64-row panel).
/// </summary>
public class BaselineGemmTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 1, 1 },
        { 5, 7, 3 },
        { 67, 24, 4 },
        { 130, 37, 9 },
        { 70, 100, 13 },
        { 129, 784, 6 },
    };

    private static (float[] Rows, double[] Queries) Data(int n, int dim, int count)
    {
        var rows = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 11, dim, 0, rows);
        var qf = new float[count * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 12, dim, 0, qf);
        // Float64 queries with bits below float32's, so that no product is exact by accident.
        var queries = new double[count * dim];
        for (var j = 0; j < queries.Length; j++) queries[j] = qf[j] * (1 + 1e-9 * (j % 17));
        return (rows, queries);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void Overlaps_EqualDotF64_PairByPair(int n, int dim, int count)
    {
        var (rows, queries) = Data(n, dim, count);
        var s = new double[count * n];
        BaselineGemm.Overlaps(BaselineGemm.Widen(rows), dim, queries, count, s);
        fixed (float* x = rows)
        fixed (double* q = queries)
        {
            for (var b = 0; b < count; b++)
            {
                for (var i = 0; i < n; i++) Assert.Equal(Scorer.DotF64(x + (long)i * dim, q + (long)b * dim, dim), s[b * n + i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Readouts_EqualAddScaled_RowByRow(int n, int dim, int count)
    {
        var (rows, _) = Data(n, dim, count);
        var w = new double[count * n];
        var rng = new Random(3);
        for (var j = 0; j < w.Length; j++) w[j] = j % 5 == 0 ? 0 : rng.NextDouble() * 2 - 1;
        var z = new double[count * dim];
        BaselineGemm.Readouts(BaselineGemm.Widen(rows), dim, w, count, z);
        for (var b = 0; b < count; b++)
        {
            var expected = new double[dim];
            for (var i = 0; i < n; i++) Readout.AddScaled(rows.AsSpan(i * dim, dim), w[b * n + i], expected);
            Assert.Equal(expected, z.AsSpan(b * dim, dim).ToArray());
        }
    }

    [Fact]
    public void Readouts_OfAHandExample()
    {
        // X = [[1, 2, 3], [4, 5, 6]], W = [[1, 0], [0.5, −1]]: Z = W X = [[1, 2, 3], [−3.5, −4, −4.5]].
        var z = new double[6];
        BaselineGemm.Readouts([1, 2, 3, 4, 5, 6], 3, [1, 0, 0.5, -1], 2, z);
        Assert.Equal(new[] { 1, 2, 3, -3.5, -4, -4.5 }, z);
        var s = new double[4];
        BaselineGemm.Overlaps([1, 2, 3, 4, 5, 6], 3, [1, 0, -1, 0.5, 0.5, 0.5], 2, s);
        Assert.Equal(new[] { -2, -2, 3, 7.5 }, s);
    }

    [Fact]
    public void ShapeErrors_NameTheBlock()
    {
        double[] rows = [1, 2, 3, 4, 5, 6];
        Assert.Equal("queries", Assert.Throws<ArgumentException>(() => BaselineGemm.Overlaps(rows, 3, new double[5], 2, new double[4])).ParamName);
        Assert.Equal("overlaps", Assert.Throws<ArgumentException>(() => BaselineGemm.Overlaps(rows, 3, new double[6], 2, new double[3])).ParamName);
        Assert.Equal("readouts", Assert.Throws<ArgumentException>(() => BaselineGemm.Readouts(rows, 3, new double[4], 2, new double[5])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => BaselineGemm.Readouts(rows, 3, new double[3], 2, new double[6])).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => BaselineGemm.Readouts(rows, 4, new double[2], 1, new double[4])).ParamName);
    }

    /// <summary>The former baseline step, one query and one row at a time (DotF64 overlaps, AddScaled readouts).</summary>
    private static double[] OnePairAtATime(Bank bank, float[] q0, BaselineKind kind, PostTransform post, BaselineUpdate update, double beta, int steps, int degree, double betaIn)
    {
        var rows = PostTransforms.NormalizedCopy(bank, post);
        var dim = bank.Dim;
        var q = q0.Select(v => (double)v).ToArray();
        PostTransforms.NormalizeQuery(post, q);
        for (var t = 0; t < steps; t++)
        {
            var z = new double[dim];
            for (var i = 0; i < rows.Rows; i++)
            {
                double s;
                unsafe
                {
                    fixed (float* x = rows.Data)
                    fixed (double* qp = q)
                    {
                        s = Scorer.DotF64(x + (long)i * dim, qp, dim);
                    }
                }
                var w = ContinuousBaseline.Separation(kind, s, degree, betaIn);
                if (w != 0) Readout.AddScaled(rows.Data.AsSpan(i * dim, dim), w, z);
            }
            ContinuousBaseline.Finish(update, post, z, beta);
            q = z;
        }
        return q;
    }

    [Theory]
    [InlineData(BaselineKind.Classical, PostTransform.Tanh, BaselineUpdate.Published)]
    [InlineData(BaselineKind.Polynomial, PostTransform.LayerNorm, BaselineUpdate.Published)]
    [InlineData(BaselineKind.Polynomial, PostTransform.L2, BaselineUpdate.TanhAfterPost)]
    [InlineData(BaselineKind.Exponential, PostTransform.Tanh, BaselineUpdate.Published)]
    [InlineData(BaselineKind.Exponential, PostTransform.LayerNorm, BaselineUpdate.Published)]
    public void RunBatch_EqualsTheFormerOnePairAtATimeStep_BitForBit(BaselineKind kind, PostTransform post, BaselineUpdate update)
    {
        const int n = 133, dim = 45, count = 70;
        var rows = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 21, dim, 0, rows);
        for (var j = 0; j < rows.Length; j++) rows[j] = Math.Clamp(rows[j] * 4, -1, 1);
        var bank = new Bank(rows, n, dim);
        var queries = new float[count * dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 22, dim, 0, queries);
        var batch = ContinuousBaseline.RunBatch(bank, queries, count, kind, post, update, 3.0, 4, degree: 3, betaIn: 0.5);
        for (var b = 0; b < count; b++)
        {
            var one = OnePairAtATime(bank, queries[(b * dim)..((b + 1) * dim)], kind, post, update, 3.0, 4, 3, 0.5);
            Assert.Equal(one, batch[b]);
        }
    }

    [Fact]
    public void RunBatch_WithATolerance_StopsEachQueryOnItsOwn_AndKeepsTheOthersExact()
    {
        // Half the queries are stored rows (a tanh fixed point at large β is reached at once), half are noise.
        const int n = 40, dim = 33, count = 20;
        var rows = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Binary, 5, dim, 0, rows);
        var bank = new Bank(rows, n, dim);
        var queries = new float[count * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 6, dim, 0, queries);
        for (var b = 0; b < count; b += 2) rows.AsSpan(b * dim, dim).CopyTo(queries.AsSpan(b * dim, dim));
        var ran = new int[count];
        var batch = ContinuousBaseline.RunBatch(bank, queries, count, BaselineKind.Polynomial, PostTransform.Tanh, BaselineUpdate.Published,
            50, 6, degree: 3, tol: 1e-9, stepsRun: ran);
        Assert.Contains(ran, r => r < 6);
        for (var b = 0; b < count; b++)
        {
            var one = new int[1];
            var single = ContinuousBaseline.RunBatch(bank, queries.AsSpan(b * dim, dim), 1, BaselineKind.Polynomial, PostTransform.Tanh,
                BaselineUpdate.Published, 50, 6, degree: 3, tol: 1e-9, stepsRun: one);
            Assert.Equal(single[0], batch[b]);
            Assert.Equal(one[0], ran[b]);
        }
    }
}
