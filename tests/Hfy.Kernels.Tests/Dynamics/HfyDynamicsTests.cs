using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Dynamics;

public class HfyDynamicsTests
{
    private static Bank Sphere(int n, int dim, ulong seed) => BankSources.Load(new BankSpec("s", n, dim, BankSourceKind.Sphere, Seed: seed));

    [Fact]
    public void Sparsemax_FromANoisyPattern_RetrievesItExactly()
    {
        var bank = Sphere(50, 64, 1);
        var q0 = bank.Row(17).ToArray();
        for (var k = 0; k < 64; k += 5) q0[k] += 0.05f;
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Sparsemax, 8.0, 5));
        Assert.Equal(17L, result.Retrieved);
        Assert.Equal([17L], result.Ids);
        Assert.Equal(1.0, Assert.Single(result.Weights), 1e-12);
    }

    [Fact]
    public void Tol_StopsOnceTheStateStopsMoving()
    {
        var bank = Sphere(50, 64, 2);
        var q0 = bank.Row(3).ToArray();
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Sparsemax, 8.0, 100, Tol: 1e-9));
        // q0 is a pattern: step 1 returns it, step 2 moves by 0 ≤ tol.
        Assert.True(result.Steps <= 2, $"steps {result.Steps}");
        Assert.Equal(3L, result.Retrieved);
    }

    [Fact]
    public void ZeroSteps_ReportsTheInitialStateAndItsWeights()
    {
        var bank = Sphere(20, 16, 3);
        var q0 = bank.Row(0).ToArray();
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Softmax, 1.0, 0));
        Assert.Equal(0, result.Steps);
        Assert.Equal(q0.Select(v => (double)v), result.Q);
        Assert.Equal(20, result.Support);
        Assert.Equal(1.0, result.Weights.Sum(), 1e-12);
        Assert.Single(result.Energy);
    }

    [Fact]
    public void Tanh_HasNoEnergyTrace()
    {
        var bank = Sphere(20, 16, 4);
        var result = HfyDynamics.Run(bank, bank.Row(1), new RetrievalOptions(MapSpec.Sparsemax, 1.0, 3, Post: PostTransform.Tanh));
        Assert.Empty(result.Energy);
        Assert.All(result.Q, v => Assert.InRange(v, -1, 1));
    }

    /// <summary>
    /// Large scores (layer norm: ‖x‖ = ‖q‖ = √784, so θ up to 78 at β = 0.1) near convergence: the batched path's
    /// float32 scores err by more than the energy falls per step, so an energy read off them rose on many steps; the
    /// energy from the float64 readout (β q·Xᵀp − Ω(p)) never rises, like the single-query float64 path.
    /// </summary>
    [Theory]
    [InlineData("softmax", PostTransform.LayerNorm, 0.1)]
    [InlineData("softmax", PostTransform.Identity, 0.5)]
    [InlineData("normmax-2", PostTransform.LayerNorm, 0.1)]
    [InlineData("entmax-1.5", PostTransform.L2, 30)]
    public void RunBatch_EnergyNeverRises_WithLargeScores(string map, PostTransform post, double beta)
    {
        // Image-like rows: one shared template plus a little noise each, so every score is large and close to the others.
        const int dim = 784, rows = 600;
        var template = new float[dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 7, dim, 0, template);
        var data = new float[rows * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 8, dim, 0, data);
        for (var i = 0; i < data.Length; i++) data[i] = template[i % dim] + (0.2f * data[i]);
        var bank = new Bank(data, rows, dim);
        const int batch = 16;
        var queries = new float[batch * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 9, dim, 0, queries);
        for (var b = 0; b < batch; b++)
        {
            for (var k = 0; k < dim; k++) queries[b * dim + k] = (0.3f * queries[b * dim + k]) + bank.Row(b * 7)[k];
        }

        var options = new RetrievalOptions(EnergyTests.Parse(map), beta, 12, Post: post);
        var results = HfyDynamics.RunBatch(bank, queries, batch, options);
        foreach (var r in results)
        {
            Assert.Equal(r.Steps + 1, r.Energy.Length);
            for (var t = 1; t < r.Energy.Length; t++)
            {
                // Stricter than the experiment runner's 1e-6 relative: the old float32 reading failed here at 1e-9.
                Assert.True(r.Energy[t] <= r.Energy[t - 1] + (1e-9 * Math.Max(1.0, Math.Abs(r.Energy[t - 1]))),
                    $"{map} {post} β={beta}: E[{t}] = {r.Energy[t]:R} > E[{t - 1}] = {r.Energy[t - 1]:R}");
            }
        }
    }

    [Theory]
    [InlineData("softmax", PostTransform.Identity)]
    [InlineData("entmax-1.5", PostTransform.L2)]
    [InlineData("normmax-2", PostTransform.LayerNorm)]
    [InlineData("ksubsets-3", PostTransform.Identity)]
    [InlineData("sparsemax", PostTransform.Tanh)]
    public void RunBatch_AgreesWithRunPerQuery(string map, PostTransform post)
    {
        var bank = BankSources.Load(new BankSpec("g", 200, 24, BankSourceKind.Gaussian, Seed: 5));
        const int batch = 7;
        var queries = new float[batch * 24];
        BankGenerator.Fill(BankSourceKind.Gaussian, 6, 24, 0, queries);
        var options = new RetrievalOptions(EnergyTests.Parse(map), 0.7, 4, Post: post);
        var results = HfyDynamics.RunBatch(bank, queries, batch, options);
        for (var b = 0; b < batch; b++)
        {
            var single = HfyDynamics.Run(bank, queries.AsSpan(b * 24, 24), options);
            Assert.Equal(single.Steps, results[b].Steps);
            for (var k = 0; k < 24; k++) Assert.Equal(single.Q[k], results[b].Q[k], 1e-4);
            Assert.Equal(single.Energy.Length, results[b].Energy.Length);
            for (var t = 0; t < single.Energy.Length; t++) Assert.Equal(single.Energy[t], results[b].Energy[t], 1e-4);
        }
    }

    [Fact]
    public void RunBatch_WithTol_StopsEachQueryWhenRunWould()
    {
        var bank = Sphere(300, 32, 8);
        const int batch = 5;
        var queries = new float[batch * 32];
        for (var b = 0; b < batch; b++)
        {
            bank.Row(b * 7).CopyTo(queries.AsSpan(b * 32, 32));
            for (var k = 0; k < 32; k += 3) queries[b * 32 + k] += 0.02f * b;
        }
        var options = new RetrievalOptions(MapSpec.Entmax(1.5), 6.0, 50, Tol: 1e-7);
        var results = HfyDynamics.RunBatch(bank, queries, batch, options);
        for (var b = 0; b < batch; b++)
        {
            var single = HfyDynamics.Run(bank, queries.AsSpan(b * 32, 32), options);
            Assert.True(single.Steps < 50, $"query {b} did not converge");
            Assert.InRange(results[b].Steps, single.Steps - 1, single.Steps + 1);
            Assert.Equal(single.Retrieved, results[b].Retrieved);
            Assert.Equal(single.Ids, results[b].Ids);
        }
    }

    [Fact]
    public void CandidatePath_EqualsTheMapOnAllScores()
    {
        var theta = new double[500];
        for (var i = 0; i < theta.Length; i++) theta[i] = Storage.CounterRngProxy.Gaussian(i) * 3;
        foreach (var spec in new[] { MapSpec.Sparsemax, MapSpec.Entmax(1.5), MapSpec.Normmax(2), MapSpec.KSubsets(4), MapSpec.Softmax })
        {
            var map = MapFactory.Create(spec);
            var full = new double[theta.Length];
            map.Forward(theta, full);
            var sparse = MapStep.Apply(map, theta, new MapWorkspace());
            var dense = new double[theta.Length];
            for (var j = 0; j < sparse.Ids.Length; j++) dense[sparse.Ids[j]] = sparse.Weights[j];
            for (var i = 0; i < theta.Length; i++) Assert.Equal(full[i], dense[i], 1e-12);
            var floatScores = theta.Select(v => (float)v).ToArray();
            var fromFloat = MapStep.Apply(map, floatScores, new MapWorkspace());
            var fullF = new double[theta.Length];
            map.Forward(floatScores.Select(v => (double)v).ToArray(), fullF);
            var denseF = new double[theta.Length];
            for (var j = 0; j < fromFloat.Ids.Length; j++) denseF[fromFloat.Ids[j]] = fromFloat.Weights[j];
            for (var i = 0; i < theta.Length; i++) Assert.Equal(fullF[i], denseF[i], 1e-12);
        }
    }

    [Fact]
    public void InvalidOptions_NameTheField()
    {
        var bank = Sphere(5, 4, 1);
        var q = new float[4];
        Assert.StartsWith("beta:", Assert.Throws<ArgumentException>(() => HfyDynamics.Run(bank, q, new RetrievalOptions(MapSpec.Softmax, 0, 1))).Message);
        Assert.StartsWith("steps:", Assert.Throws<ArgumentException>(() => HfyDynamics.Run(bank, q, new RetrievalOptions(MapSpec.Softmax, 1, -1))).Message);
        Assert.StartsWith("q0:", Assert.Throws<ArgumentException>(() => HfyDynamics.Run(bank, new float[3], new RetrievalOptions(MapSpec.Softmax, 1, 1))).Message);
        Assert.StartsWith("q0:", Assert.Throws<ArgumentException>(() => HfyDynamics.Run(bank, [float.NaN, 0, 0, 0], new RetrievalOptions(MapSpec.Softmax, 1, 1))).Message);
        Assert.Throws<ArgumentException>(() => HfyDynamics.Run(bank, q, new RetrievalOptions(MapSpec.KSubsets(6), 1, 1)));
    }
}
