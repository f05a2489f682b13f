using Hfy.Experiments;
using Hfy.Kernels.Classical;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

public class BaselineDynamicsTests
{
    // Three 3-D patterns and two queries, small enough to follow by hand.
    private static readonly float[] Rows = [0.5f, -1f, 0.25f, 1f, 0.75f, 0f, -0.5f, 1f, 0.25f];
    private static readonly float[] Queries = [0.25f, -0.5f, 1f, 1f, 0.5f, -0.25f];

    /// <summary>
    /// Both semantics written out: rows and q_0 normalized for ℓ2 / layer norm; s = X q, f = F'(s), z = Σ f_i x_i;
    /// published: q ← ŷ_Ψ(z) (identity z, ℓ2 z/‖z‖, layer norm, tanh(β z)); tanh-after-post: q ← tanh(β z).
    /// </summary>
    private static double[] ByHand(float[] q0, string map, PostTransform post, BaselineUpdate update, double beta, int steps)
    {
        const int dim = 3;
        var x = new double[3][];
        for (var i = 0; i < 3; i++) x[i] = Normalize(post, Rows.Skip(i * dim).Take(dim).Select(v => (double)v).ToArray()).Select(v => (double)(float)v).ToArray();
        var q = Normalize(post, q0.Select(v => (double)v).ToArray());
        for (var t = 0; t < steps; t++)
        {
            var z = new double[dim];
            foreach (var xi in x)
            {
                var s = xi[0] * q[0] + xi[1] * q[1] + xi[2] * q[2];
                var f = map switch { "classical" => s, "dam-poly" => s * s * s, _ => Math.Exp(0.4 * s) };
                for (var k = 0; k < dim; k++) z[k] += f * xi[k];
            }
            q = update == BaselineUpdate.Published && post != PostTransform.Tanh
                ? (post == PostTransform.Identity ? z : Normalize(post, z))
                : z.Select(v => Math.Tanh(beta * v)).ToArray();
        }
        return q;
    }

    private static double[] Normalize(PostTransform post, double[] v)
    {
        if (post == PostTransform.L2)
        {
            var norm = Math.Sqrt(v.Sum(a => a * a));
            return v.Select(a => a / norm).ToArray();
        }
        if (post != PostTransform.LayerNorm) return v;
        var mean = v.Average();
        var sd = Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / v.Length + 1e-5);
        return v.Select(a => (a - mean) / sd).ToArray();
    }

    public static TheoryData<string, string, string> EveryBaselinePostAndUpdate()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var map in new[] { "classical", "dam-poly", "dam-exp" })
        {
            foreach (var post in new[] { "tanh", "identity", "l2", "layernorm" })
            {
                foreach (var update in BaselineDynamics.UpdateNames) data.Add(map, post, update);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryBaselinePostAndUpdate))]
    public void Baseline_MatchesTheHandComputation_OfItsUpdate(string mapName, string postName, string updateName)
    {
        var map = CellMap.From(new MapEntry { Name = mapName, N = mapName == "dam-poly" ? 3 : null, BetaIn = mapName == "dam-exp" ? 0.4 : null });
        var post = Cell.ParsePost(postName)!.Value;
        var update = BaselineDynamics.ParseUpdate(updateName)!.Value;
        var results = BaselineDynamics.RunBatch(new Bank(Rows, 3, 3), Queries, 2, map, 0.7, post, update, steps: 2, tol: 0, retrievedTol: 1e-6);
        Assert.Equal(2, results.Length);
        for (var j = 0; j < 2; j++)
        {
            var expected = ByHand(Queries[(j * 3)..(j * 3 + 3)], mapName, post, update, 0.7, 2);
            for (var k = 0; k < 3; k++) Assert.Equal(expected[k], results[j].Q[k], 1e-12 * Math.Max(1, Math.Abs(expected[k])));
            Assert.Equal(2, results[j].Steps);
            Assert.Single(results[j].Ids);
        }
    }

    [Fact]
    public void TheTwoUpdates_DifferOnlyWhereThePostIsNotTanh()
    {
        var map = CellMap.From(new MapEntry { Name = "dam-exp", BetaIn = 0.4 });
        var bank = new Bank(Rows, 3, 3);
        foreach (var post in Enum.GetValues<PostTransform>())
        {
            var a = BaselineDynamics.RunBatch(bank, Queries, 2, map, 0.7, post, BaselineUpdate.Published, 3, 0, 1e-6);
            var b = BaselineDynamics.RunBatch(bank, Queries, 2, map, 0.7, post, BaselineUpdate.TanhAfterPost, 3, 0, 1e-6);
            if (post == PostTransform.Tanh) Assert.Equal(a[0].Q, b[0].Q);
            else Assert.NotEqual(a[0].Q, b[0].Q);
        }
    }

    [Theory]
    [InlineData(null, BaselineUpdate.Published)]
    [InlineData("published", BaselineUpdate.Published)]
    [InlineData(" Tanh-After-Post ", BaselineUpdate.TanhAfterPost)]
    public void UpdateNames_Parse(string? name, BaselineUpdate expected) => Assert.Equal(expected, BaselineDynamics.ParseUpdate(name));

    [Fact]
    public void UnknownUpdateName_IsNull() => Assert.Null(BaselineDynamics.ParseUpdate("tanh"));
    [Fact]
    public void Candidate_IsTheFirstRowWithTheLargestSequentialOverlap_TiesAndAll()
    {
        // 150 rows (3 panels of the blocked overlaps), every 7th a copy of row 3: exact ties, which the first copy wins.
        const int n = 150, dim = 29, count = 70;
        var rows = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 31, dim, 0, rows);
        for (var i = 10; i < n; i += 7) rows.AsSpan(3 * dim, dim).CopyTo(rows.AsSpan(i * dim, dim));
        var queries = new float[count * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 32, dim, 0, queries);
        for (var b = 0; b < count; b += 3) rows.AsSpan((b * 5 % n) * dim, dim).CopyTo(queries.AsSpan(b * dim, dim));
        var map = CellMap.From(new MapEntry { Name = "classical" });
        var results = BaselineDynamics.RunBatch(new Bank(rows, n, dim), queries, count, map, 0.01, PostTransform.Tanh, BaselineUpdate.Published,
            steps: 0, tol: 0, retrievedTol: 1e-6);
        for (var b = 0; b < count; b++)
        {
            var q = results[b].Q;
            var best = -1;
            var bestDot = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                double dot = 0;
                for (var k = 0; k < dim; k++) dot += rows[i * dim + k] * q[k];
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = i;
                }
            }
            Assert.Equal(new long[] { best }, results[b].Ids);
            Assert.NotEqual(-1, best);
        }
        // Query 0 is row 0 itself (T = 0): retrieved exactly; a query on row 3's copies names row 3.
        Assert.Equal(0, results[0].Retrieved);
        Assert.Contains(results, r => r.Ids[0] == 3);
        Assert.DoesNotContain(results, r => r.Ids[0] > 3 && (r.Ids[0] - 10) % 7 == 0);
    }
}
