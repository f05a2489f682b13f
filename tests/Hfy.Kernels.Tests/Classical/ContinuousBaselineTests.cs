using Hfy.Kernels.Classical;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Classical;

public class ContinuousBaselineTests
{
    private static readonly float[] Rows = [0.5f, -1f, 0.25f, 1f, 0.75f, 0f, -0.5f, 1f, 0.25f];
    private static readonly float[] Query = [0.25f, -0.5f, 1f];

    /// <summary>
    /// The update written out by hand, in the order the published HopfieldNet.run does it: rows and q_0 normalized for
    /// ℓ2 / layer norm; each step s = X q, f = F'(s), z = Σ f_i x_i, then ŷ (published: the post, tanh-after-post: tanh).
    /// </summary>
    internal static double[] HandComputed(float[] rowsF, int dim, float[] q0, BaselineKind kind, PostTransform post, BaselineUpdate update,
        double beta, int steps, int degree, double betaIn)
    {
        var n = rowsF.Length / dim;
        var x = new double[n][];
        for (var i = 0; i < n; i++) x[i] = Normalize(post, rowsF.Skip(i * dim).Take(dim).Select(v => (double)v).ToArray());
        // The engine stores normalized rows in float32, as the published code does.
        for (var i = 0; i < n; i++) x[i] = x[i].Select(v => (double)(float)v).ToArray();
        var q = Normalize(post, q0.Select(v => (double)v).ToArray());
        for (var t = 0; t < steps; t++)
        {
            var z = new double[dim];
            for (var i = 0; i < n; i++)
            {
                var s = 0.0;
                for (var k = 0; k < dim; k++) s += x[i][k] * q[k];
                var f = kind switch
                {
                    BaselineKind.Classical => s,
                    BaselineKind.Polynomial => Math.Pow(s, degree),
                    _ => Math.Exp(betaIn * s),
                };
                for (var k = 0; k < dim; k++) z[k] += f * x[i][k];
            }
            q = update == BaselineUpdate.TanhAfterPost || post == PostTransform.Tanh
                ? z.Select(v => Math.Tanh(beta * v)).ToArray()
                : post == PostTransform.Identity ? z : Normalize(post, z);
        }
        return q;
    }

    private static double[] Normalize(PostTransform post, double[] v)
    {
        switch (post)
        {
            case PostTransform.L2:
                var norm = Math.Sqrt(v.Sum(a => a * a));
                return v.Select(a => a / norm).ToArray();
            case PostTransform.LayerNorm:
                var mean = v.Average();
                var variance = v.Sum(a => (a - mean) * (a - mean)) / v.Length;
                return v.Select(a => (a - mean) / Math.Sqrt(variance + 1e-5)).ToArray();
            default:
                return v;
        }
    }

    public static TheoryData<BaselineKind, PostTransform, BaselineUpdate> EveryCase()
    {
        var data = new TheoryData<BaselineKind, PostTransform, BaselineUpdate>();
        foreach (var kind in Enum.GetValues<BaselineKind>())
        {
            foreach (var post in Enum.GetValues<PostTransform>())
            {
                foreach (var update in Enum.GetValues<BaselineUpdate>()) data.Add(kind, post, update);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCase))]
    public void ThreeSteps_MatchTheHandComputation(BaselineKind kind, PostTransform post, BaselineUpdate update)
    {
        var bank = new Bank(Rows, 3, 3);
        var q = ContinuousBaseline.Run(bank, Query, kind, post, update, beta: 0.7, steps: 3, degree: 3, betaIn: 0.4);
        var expected = HandComputed(Rows, 3, Query, kind, post, update, 0.7, 3, 3, 0.4);
        for (var k = 0; k < 3; k++) Assert.Equal(expected[k], q[k], 1e-12 * Math.Max(1, Math.Abs(expected[k])));
    }

    [Fact]
    public void Published_And_TanhAfterPost_OnTwoOrthogonalRows_GiveTheWrittenOutNumbers()
    {
        // X = [[1, 0], [0, 2]], q_0 = [1, 1], classical: s = Xq = [1, 2], z = Xᵀs = [1, 4].
        var bank = new Bank([1, 0, 0, 2], 2, 2);
        float[] q0 = [1, 1];
        Assert.Equal(new[] { 1.0, 4.0 }, ContinuousBaseline.Run(bank, q0, BaselineKind.Classical, PostTransform.Identity, BaselineUpdate.Published, 0.5, 1));
        Assert.Equal(new[] { Math.Tanh(0.5), Math.Tanh(2.0) },
            ContinuousBaseline.Run(bank, q0, BaselineKind.Classical, PostTransform.Identity, BaselineUpdate.TanhAfterPost, 0.5, 1));
        // ℓ2: rows become e_1, e_2 and q_0 = [1, 1]/√2, so z = q_0: published keeps it (a fixed point), tanh-after-post
        // squashes it to tanh(β/√2), and β makes no difference to the published update.
        var r = 1 / Math.Sqrt(2);
        var pub = ContinuousBaseline.Run(bank, q0, BaselineKind.Classical, PostTransform.L2, BaselineUpdate.Published, 0.5, 1);
        Assert.Equal(r, pub[0], 1e-15);
        Assert.Equal(r, pub[1], 1e-15);
        Assert.Equal(pub, ContinuousBaseline.Run(bank, q0, BaselineKind.Classical, PostTransform.L2, BaselineUpdate.Published, 100, 1));
        var tap = ContinuousBaseline.Run(bank, q0, BaselineKind.Classical, PostTransform.L2, BaselineUpdate.TanhAfterPost, 0.5, 1);
        Assert.Equal(Math.Tanh(0.5 * r), tap[0], 1e-15);
        // 2-poly: s = [1, 2], F'(s) = [1, 4], z = 1·x_1 + 4·x_2 = [1, 8]; tanh(β z) with β = 0.05.
        var poly = ContinuousBaseline.Run(bank, q0, BaselineKind.Polynomial, PostTransform.Tanh, BaselineUpdate.Published, 0.05, 1, degree: 2);
        Assert.Equal(new[] { Math.Tanh(0.05 * 1.0), Math.Tanh(0.05 * 8.0) }, poly);
    }

    [Fact]
    public void Batch_EqualsOneQueryAtATime()
    {
        var rows = new float[40 * 24];
        BankGenerator.Fill(BankSourceKind.Sphere, 3, 24, 0, rows);
        var bank = new Bank(rows, 40, 24);
        var queries = new float[11 * 24];
        BankGenerator.Fill(BankSourceKind.Gaussian, 4, 24, 0, queries);
        var ran = new int[11];
        var batch = ContinuousBaseline.RunBatch(bank, queries, 11, BaselineKind.Exponential, PostTransform.LayerNorm, BaselineUpdate.Published,
            1.0, 4, betaIn: 0.05, stepsRun: ran);
        for (var b = 0; b < 11; b++)
        {
            var one = ContinuousBaseline.Run(bank, queries.AsSpan(b * 24, 24), BaselineKind.Exponential, PostTransform.LayerNorm,
                BaselineUpdate.Published, 1.0, 4, betaIn: 0.05);
            Assert.Equal(one, batch[b]);
            Assert.Equal(4, ran[b]);
        }
    }

    [Fact]
    public void TenPolyWithLayerNorm_OverflowsFloat32_ButStaysFiniteInFloat64()
    {
        // Fashion-MNIST-like: D = 784 values in [−1, 1]. Layer-normed rows and query have norm √D = 28, so a stored
        // pattern's overlap with itself is ≈ 784 and 784¹⁰ ≈ 9e28: the readout's squares (layer-norm variance) pass
        // float32's 3.4e38, which is why the published float32 code reports every cosine as NaN.
        const int dim = 784;
        var rows = new float[4 * dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 9, dim, 0, rows);
        for (var i = 0; i < rows.Length; i++) rows[i] = Math.Clamp(rows[i] * 20, -1, 1);
        var bank = new Bank(rows, 4, dim);
        var q0 = rows.AsSpan(0, dim).ToArray();
        var q = ContinuousBaseline.Run(bank, q0, BaselineKind.Polynomial, PostTransform.LayerNorm, BaselineUpdate.Published, 100, 5, degree: 10);
        Assert.All(q, v => Assert.True(double.IsFinite(v)));
        // The query's own pattern wins: q_T is that pattern's layer norm (up to the others' 10th-power share).
        var target = Normalize(PostTransform.LayerNorm, q0.Select(v => (double)v).ToArray());
        var cos = q.Zip(target, (a, b) => a * b).Sum() / Math.Sqrt(q.Sum(a => a * a) * target.Sum(a => a * a));
        Assert.True(cos > 0.99, $"cosine {cos}");

        // The same first readout in float32 overflows in the variance.
        var xf = Normalize(PostTransform.LayerNorm, q0.Select(v => (double)v).ToArray()).Select(v => (float)v).ToArray();
        var self = 0f;
        for (var k = 0; k < dim; k++) self += xf[k] * xf[k];
        var f = MathF.Pow(self, 10);
        var sq = 0f;
        for (var k = 0; k < dim; k++) sq += f * xf[k] * (f * xf[k]);
        Assert.True(float.IsFinite(f));
        Assert.True(float.IsPositiveInfinity(sq));
    }
}
