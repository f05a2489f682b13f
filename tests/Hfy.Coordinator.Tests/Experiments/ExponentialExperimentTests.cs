using Hfy.Experiments;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Exponential;
using Hfy.Experiments.Plots;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;
using Hfy.Kernels.Theory;

namespace Hfy.Coordinator.Tests.Experiments;

public class ExponentialExperimentTests
{
    internal const string Small = """
        {
          "name": "small exponential", "kind": "exponential",
          "bank": { "source": "sphere", "seed": 11 },
          "queries": 12, "seed": 4, "tol": 1e-9,
          "exponential": {
            "alphas": [0.3, 0.6], "betaNets": [0.5, 2], "dims": [6, 9],
            "maps": [ { "name": "softmax" }, { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 } ],
            "starts": [1, 0.7], "steps": 6, "banks": 2
          }
        }
        """;

    private static (ExperimentRunner Runner, ResultsStore Store, StepCountingEngine Engine) NewRunner(string dir)
    {
        var store = ResultsStore.Open(dir);
        var engine = new StepCountingEngine(new LocalEngine());
        return (new ExperimentRunner(engine, store), store, engine);
    }

    /// <summary>Counts the requests that run T &gt; 0 steps (one per exponential cell at these sizes), not the T = 0 one-step probes.</summary>
    internal sealed class StepCountingEngine(IRetrievalEngine inner) : IRetrievalEngine
    {
        private int _dynamics;
        private int _requests;

        public int Dynamics => _dynamics;

        public int Requests => _requests;

        public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => inner.CreateBankAsync(spec, cancellationToken);

        public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => inner.DropBankAsync(bankName, cancellationToken);

        public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
        {
            var r = await inner.RetrieveAsync(bankName, queries, batch, options, cancellationToken);
            if (options.Steps > 0) Interlocked.Increment(ref _dynamics);
            Interlocked.Increment(ref _requests);
            return r;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task PhiValues_EqualABruteForceComputation_OnSmallBanks()
    {
        using var dir = new TempDir();
        var (runner, store, _) = NewRunner(dir.Path);
        var spec = ExperimentSpec.Parse(Small);
        var id = runner.Submit(spec, SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        Assert.Equal((int)GridExpansion.Count(spec), cells.Count);
        var plan = ExperimentPlan.Read(spec);
        var checkedRows = 0;
        foreach (var c in cells)
        {
            var m = c.Metrics.Exponential!;
            var bankSpec = ExponentialRunner.BankOf(id, plan, m.Dim, m.Patterns, m.Bank);
            var bank = BankSources.Load(bankSpec);
            var targets = ExponentialRunner.Targets(spec, m.Dim, m.Patterns, m.Bank);
            Assert.Equal(targets, m.Rows.Select(r => r.Target).ToArray());
            var targetRows = new double[targets.Length * m.Dim];
            for (var j = 0; j < targets.Length; j++)
            {
                for (var k = 0; k < m.Dim; k++) targetRows[j * m.Dim + k] = bank.Row((int)targets[j])[k];
            }
            // The same dynamics again (deterministic), then every overlap by brute force.
            var starts = ExponentialRunner.Starts(spec, targetRows, m.Dim, m.Patterns, m.Bank, m.Start);
            var map = Hfy.Experiments.CellMap.From(spec.Exponential!.Maps!.First(e => Hfy.Experiments.CellMap.From(e).Label == m.Map)).Hfy!;
            var finals = HfyDynamics.RunBatch(bank, starts, targets.Length, new RetrievalOptions(map, m.BetaNet * m.Dim, 6, 1e-9, PostTransform.L2));
            for (var j = 0; j < targets.Length; j++)
            {
                var t = (int)targets[j];
                var start = starts.AsSpan(j * m.Dim, m.Dim);
                Assert.Equal(m.Start, Overlap(start, bank.Row(t)), 5);
                double otherTarget = double.NegativeInfinity, otherFinal = double.NegativeInfinity;
                for (var i = 0; i < bank.Rows; i++)
                {
                    if (i == t) continue;
                    otherTarget = Math.Max(otherTarget, Overlap(bank.Row(t), bank.Row(i)));
                    otherFinal = Math.Max(otherFinal, Overlap(finals[j].Q, bank.Row(i)));
                }
                var row = m.Rows[j];
                Assert.Equal(otherTarget, row.PhiMaxOther, 12);
                Assert.Equal(Overlap(finals[j].Q, bank.Row(t)), row.PhiTarget, 12);
                // A final state equal to its target (engine tolerance 1e-6 per coordinate) reports the target's other overlaps.
                Assert.Equal(otherFinal, row.PhiOtherFinal, 5);
                Assert.Equal(row.PhiTarget >= 0.9 && row.PhiTarget > row.PhiOtherFinal, row.Success);
                if (m.Margin is { } margin)
                {
                    Assert.Equal(ExponentialCapacity.PredictsOneHot(m.Dim, m.BetaNet, margin, otherTarget), row.OneStep);
                    if (row.OneStep == true) Assert.Equal(1.0, row.WeightAtPattern, 12);
                }
                else
                {
                    // Softmax at x = ξ: p_target = 1 / Σ_i e^{β (φ_i − φ_target)}, β = β_net N (float32 scores: 1e-4).
                    var self = Overlap(bank.Row(t), bank.Row(t));
                    var z = 0.0;
                    for (var i = 0; i < bank.Rows; i++) z += Math.Exp(m.Beta * (Overlap(bank.Row(t), bank.Row(i)) - self));
                    Assert.Equal(1 / z, row.WeightAtPattern, 4);
                }
                checkedRows++;
            }
            Assert.Equal(0, m.Disagreements ?? 0);
            Assert.Equal(m.Successes, m.Rows.Count(r => r.Success));
        }
        Assert.True(checkedRows > 500);
    }

    [Fact]
    public async Task ZeroSteps_FromTheStoredPattern_ReuseTheProbe_AndReportItsWeights()
    {
        using var dir = new TempDir();
        var (runner, store, engine) = NewRunner(dir.Path);
        var spec = ExperimentSpec.Parse(Small.Replace("\"starts\": [1, 0.7], \"steps\": 6", "\"starts\": [1], \"steps\": 0", StringComparison.Ordinal));
        var id = runner.Submit(spec, SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        Assert.Equal((int)GridExpansion.Count(spec), cells.Count);
        // One request per (bank, map, β_net): the probe; the T = 0 cell from ξ is that probe, not a second pass.
        Assert.Equal(cells.Count, engine.Requests);
        Assert.Equal(0, engine.Dynamics);
        var plan = ExperimentPlan.Read(spec);
        foreach (var c in cells)
        {
            var m = c.Metrics.Exponential!;
            var bank = BankSources.Load(ExponentialRunner.BankOf(id, plan, m.Dim, m.Patterns, m.Bank));
            foreach (var row in m.Rows)
            {
                Assert.Equal(0, row.Steps);
                // The state is ξ itself: φ_target = 1, and the softmax weight at ξ is the brute-force one.
                Assert.Equal(1.0, row.PhiTarget, 5);
                if (m.Margin is null)
                {
                    var t = (int)row.Target;
                    var z = 0.0;
                    for (var i = 0; i < bank.Rows; i++) z += Math.Exp(m.Beta * (Overlap(bank.Row(t), bank.Row(i)) - Overlap(bank.Row(t), bank.Row(t))));
                    Assert.Equal(1 / z, row.WeightAtPattern, 4);
                }
            }
        }
    }

    [Fact]
    public async Task OnAnEmbeddedCluster_EqualsTheLocalEngine()
    {
        var json = Small.Replace("\"betaNets\": [0.5, 2]", "\"betaNets\": [1]", StringComparison.Ordinal)
            .Replace("\"banks\": 2", "\"banks\": 1", StringComparison.Ordinal);
        using var localDir = new TempDir();
        var (localRunner, localStore, _) = NewRunner(localDir.Path);
        var localId = localRunner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await localRunner.RunAsync(localId, null, CancellationToken.None);
        var local = localStore.GetCells(localId);

        using var clusterDir = new TempDir();
        var clusterStore = ResultsStore.Open(clusterDir.Path);
        await using var cluster = await Hfy.Coordinator.Engine.EmbeddedCluster.StartAsync(2, new Hfy.Coordinator.Engine.EmbeddedClusterOptions { NumericThreadsPerNode = 1 });
        var runner = new ExperimentRunner(cluster.Engine, clusterStore);
        var id = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var remote = clusterStore.GetCells(id).ToDictionary(c => c.Key);

        Assert.Equal(4 * 3 * 2, local.Count);
        Assert.Equal(local.Count, remote.Count);
        foreach (var l in local)
        {
            var a = l.Metrics.Exponential!;
            var b = remote[l.Key].Metrics.Exponential!;
            Assert.Equal(a.Successes, b.Successes);
            Assert.Equal(a.OneHot, b.OneHot);
            Assert.Equal(a.Disagreements, b.Disagreements);
            for (var j = 0; j < a.Rows.Length; j++)
            {
                var (x, y) = (a.Rows[j], b.Rows[j]);
                Assert.Equal(x.Target, y.Target);
                Assert.Equal(x.PhiMaxOther, y.PhiMaxOther);
                Assert.Equal(x.PhiTarget, y.PhiTarget, 1e-5);
                Assert.Equal(x.PhiOtherFinal, y.PhiOtherFinal, 1e-5);
                Assert.Equal(x.Success, y.Success);
                Assert.Equal(x.OneStep, y.OneStep);
                Assert.Equal(x.WeightAtPattern >= 0.5, y.WeightAtPattern >= 0.5);
            }
        }
    }

    /// <summary>
    /// The same experiment with its banks procedural (nothing stored; every round a pass over regenerated rows, in this
    /// process and on cluster partitions) gives the resident run's cells: same targets, successes, φ values.
    /// </summary>
    [Fact]
    public async Task ProceduralStorage_LocallyAndOnACluster_EqualsResident()
    {
        var json = Small.Replace("\"betaNets\": [0.5, 2]", "\"betaNets\": [1]", StringComparison.Ordinal)
            .Replace("\"banks\": 2", "\"banks\": 1", StringComparison.Ordinal);
        var streamed = json.Replace("\"source\": \"sphere\"", "\"source\": \"sphere\", \"storage\": \"procedural\"", StringComparison.Ordinal);
        Assert.NotEqual(json, streamed);
        async Task<IReadOnlyList<CellRecord>> Run(string spec, IRetrievalEngine engine)
        {
            using var dir = new TempDir();
            var store = ResultsStore.Open(dir.Path);
            var runner = new ExperimentRunner(engine, store);
            var id = runner.Submit(ExperimentSpec.Parse(spec), SpecLimits.Default);
            await runner.RunAsync(id, null, CancellationToken.None);
            return store.GetCells(id);
        }

        await using var residentEngine = new LocalEngine();
        var resident = await Run(json, residentEngine);
        await using var localEngine = new LocalEngine();
        var local = (await Run(streamed, localEngine)).ToDictionary(c => c.Key);
        await using var cluster = await Hfy.Coordinator.Engine.EmbeddedCluster.StartAsync(2, new Hfy.Coordinator.Engine.EmbeddedClusterOptions { NumericThreadsPerNode = 1 });
        var remote = (await Run(streamed, cluster.Engine)).ToDictionary(c => c.Key);

        Assert.Equal(4 * 3 * 2, resident.Count);
        foreach (var r in resident)
        {
            foreach (var other in new[] { local[r.Key], remote[r.Key] })
            {
                var (a, b) = (r.Metrics.Exponential!, other.Metrics.Exponential!);
                Assert.Equal(a.Successes, b.Successes);
                Assert.Equal(a.OneHot, b.OneHot);
                for (var j = 0; j < a.Rows.Length; j++)
                {
                    Assert.Equal(a.Rows[j].Target, b.Rows[j].Target);
                    Assert.Equal(a.Rows[j].PhiMaxOther, b.Rows[j].PhiMaxOther);
                    Assert.Equal(a.Rows[j].PhiTarget, b.Rows[j].PhiTarget, 1e-5);
                    Assert.Equal(a.Rows[j].Success, b.Rows[j].Success);
                }
            }
        }
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("gaussian")]
    public async Task OtherEnsembles_KeepTheOneStepRule_AndUnitOverlaps(string ensemble)
    {
        using var dir = new TempDir();
        var (runner, store, _) = NewRunner(dir.Path);
        var json = Small.Replace("\"source\": \"sphere\"", $"\"source\": \"{ensemble}\"", StringComparison.Ordinal)
            .Replace("\"dims\": [6, 9]", "\"dims\": [10, 14]", StringComparison.Ordinal);
        var id = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        Assert.NotEmpty(cells);
        Assert.All(cells, c =>
        {
            var m = c.Metrics.Exponential!;
            Assert.Equal(ensemble, m.Ensemble);
            Assert.Equal(0, m.Disagreements ?? 0);
            // Rows are unit vectors: every overlap is a cosine.
            Assert.All(m.Rows, r => Assert.InRange(r.PhiMaxOther, -1 - 1e-6, 1 + 1e-6));
            Assert.All(m.Rows, r => Assert.InRange(r.PhiTarget, -1 - 1e-6, 1 + 1e-6));
            if (ensemble == "binary") Assert.All(m.Rows, r => Assert.Equal(0, Math.Abs(r.PhiMaxOther * m.Dim - Math.Round(r.PhiMaxOther * m.Dim)), 4));
        });
    }

    [Fact]
    public void NRamp_GivesNEqualToRoundedLogPOverAlpha()
    {
        var spec = ExperimentSpec.Parse(Small.Replace("\"dims\": [6, 9]", "\"patterns\": 5000", StringComparison.Ordinal)
            .Replace("\"alphas\": [0.3, 0.6]", "\"alphas\": [0.3, 0.45, 0.7]", StringComparison.Ordinal));
        Assert.Empty(SpecValidator.Validate(spec, SpecLimits.Default));
        var cells = ExponentialGrid.Expand(spec);
        Assert.Equal(3 * 2 * 2 * 3 * 2, cells.Count);
        Assert.All(cells, c =>
        {
            Assert.Equal(5000, c.Patterns);
            Assert.Equal((int)Math.Round(Math.Log(5000) / c.Alpha, MidpointRounding.AwayFromZero), c.Dim);
        });
        Assert.Equal([28, 19, 12], cells.Select(c => c.Dim).Distinct().ToArray());
        Assert.Equal(cells.Count, GridExpansion.Count(spec));
        Assert.Equal(cells.Count, cells.Select(c => c.Key).Distinct().Count());
    }

    [Fact]
    public void FixedN_GivesPEqualToRoundedExpAlphaN_AndDropsPointsAboveMaxPatterns()
    {
        var spec = ExperimentSpec.Parse(Small.Replace("\"banks\": 2", "\"banks\": 2, \"maxPatterns\": 100", StringComparison.Ordinal));
        var points = ExponentialGrid.Points(spec.Exponential!);
        // e^{0.3·6} = 6.05, e^{0.6·6} = 36.6, e^{0.3·9} = 14.9, e^{0.6·9} = 221 (> 100: left out).
        Assert.Equal([(6, 6L, 0.3), (6, 37L, 0.6), (9, 15L, 0.3)], points);
    }

    [Fact]
    public async Task StoppedMidRun_Resumes_RepeatingNoCell()
    {
        using var reference = new TempDir();
        var (refRunner, refStore, _) = NewRunner(reference.Path);
        var spec = ExperimentSpec.Parse(Small);
        var refId = refRunner.Submit(spec, SpecLimits.Default);
        await refRunner.RunAsync(refId, null, CancellationToken.None);
        var expected = refStore.GetCells(refId).ToDictionary(c => c.Key, c => c.Metrics.Exponential!.Rows);

        using var dir = new TempDir();
        var (runner, store, engine) = NewRunner(dir.Path);
        var id = runner.Submit(spec, SpecLimits.Default);
        using var cts = new CancellationTokenSource();
        var stop = new ExperimentRunnerTests.InlineProgress(p =>
        {
            if (p.Done >= 30) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(id, stop, cts.Token));
        var before = store.GetCellKeys(id);
        Assert.InRange(before.Count, 30, expected.Count - 1);
        Assert.Equal(ExperimentStatus.Running, store.GetExperiment(id)!.Status);
        // One T-step retrieval per stored cell, none for a cell not stored.
        Assert.Equal(before.Count, engine.Dynamics);

        var (runner2, store2, engine2) = NewRunner(dir.Path);
        var reports = new List<ExperimentProgress>();
        await runner2.RunAsync(id, new ExperimentRunnerTests.SyncProgress(reports), CancellationToken.None);
        Assert.Equal(before.Count, reports[0].Done);
        Assert.Equal(expected.Count - before.Count, engine2.Dynamics);
        var cells = store2.GetCells(id);
        Assert.Equal(expected.Count, cells.Count);
        Assert.Equal(ExperimentStatus.Finished, store2.GetExperiment(id)!.Status);
        foreach (var c in cells) Assert.Equal(expected[c.Key], c.Metrics.Exponential!.Rows);
        // Reports after the resume name only cells that were not stored before.
        Assert.All(reports.Where(r => r.LastCell is not null), r => Assert.DoesNotContain(r.LastCell!.Key, before));
    }

    [Fact]
    public async Task Report_And_Plots_AreWritten_WithTheTheoryBesideTheMeasurement()
    {
        using var dir = new TempDir();
        var (runner, store, _) = NewRunner(dir.Path);
        var id = runner.Submit(ExperimentSpec.Parse(Small), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var files = PlotWriter.WriteAll(store.GetExperiment(id)!, store.GetCells(id), Path.Combine(dir.Path, "out"));
        Assert.Contains(files, f => f.EndsWith("-exp-phimax.png", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("-exp-basin-boundary.png", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
        var md = File.ReadAllText(files.Single(f => Path.GetFileNameWithoutExtension(f).EndsWith("-exponential", StringComparison.Ordinal) && Path.GetExtension(f) == ".md"));
        Assert.Contains("β_net", md, StringComparison.Ordinal);
        Assert.Contains("0 disagreements", md, StringComparison.Ordinal);
        var csv = File.ReadAllLines(files.Single(f => f.EndsWith("-exponential-queries.csv", StringComparison.Ordinal)));
        Assert.Equal(ExponentialReport.QueryCsvHeader, csv[0]);
        Assert.Equal(store.GetCells(id).Sum(c => c.Metrics.Queries) + 1, csv.Length);
    }

    [Theory]
    [InlineData("\"alphas\": [0.3, 0.6]", "\"alphas\": [0.3, -1]", "exponential.alphas[1]")]
    [InlineData("\"dims\": [6, 9]", "\"dims\": [6, 9], \"patterns\": 1000", "exponential")]
    [InlineData("\"dims\": [6, 9]", "\"dims\": [1, 9]", "exponential.dims[0]")]
    [InlineData("{ \"name\": \"entmax\", \"alpha\": 1.5 }", "{ \"name\": \"entmax\" }", "exponential.maps[2].alpha")]
    [InlineData("{ \"name\": \"sparsemax\" }", "{ \"name\": \"ksubsets\" }", "exponential.maps[1].name")]
    [InlineData("\"starts\": [1, 0.7]", "\"starts\": [1, 1.2]", "exponential.starts[1]")]
    [InlineData("\"seed\": 11 }", "\"seed\": 11, \"dim\": 8 }", "bank.dim")]
    [InlineData("\"source\": \"sphere\"", "\"source\": \"npy\"", "bank.source")]
    [InlineData("\"banks\": 2", "\"banks\": 0", "exponential.banks")]
    public void Validation_NamesTheField(string from, string to, string path)
    {
        var spec = ExperimentSpec.Parse(Small.Replace(from, to, StringComparison.Ordinal));
        var errors = SpecValidator.Validate(spec, SpecLimits.Default);
        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void Validation_AcceptsTheExamples()
    {
        var names = Directory.GetFiles(Path.Combine(RepoRoot(), "examples"), "exponential*.json").Select(Path.GetFileName).ToArray();
        Assert.Contains("exponential-ramp-1e9-beta1.json", names);
        foreach (var name in names)
        {
            var path = Path.Combine(RepoRoot(), "examples", name!);
            var (spec, errors) = SpecValidator.ParseAndValidate(File.ReadAllText(path), SpecLimits.Default);
            Assert.True(errors.Count == 0, $"{name}: {string.Join("; ", errors)}");
            Assert.Equal(ExperimentKind.Exponential, ExperimentPlan.Read(spec!).Kind);
        }
    }

    [Fact]
    public void Wilson_And_Crossing_And_Fit_GiveKnownValues()
    {
        // Wilson 95% for 5/10: [0.2366, 0.7634].
        var (lo, hi) = ExponentialEstimators.Wilson(5, 10);
        Assert.Equal(0.2366, lo, 4);
        Assert.Equal(0.7634, hi, 4);
        var t = ExponentialEstimators.Crossing([(0.1, 1.0, 0.9, 1.0), (0.2, 0.8, 0.7, 0.9), (0.3, 0.2, 0.1, 0.3)]);
        Assert.Equal(0.25, t.Value!.Value, 12);
        Assert.True(t.Sigma > 0 && t.Sigma < 0.05 / Math.Sqrt(12), $"σ {t.Sigma}: informative rates either side, the Wilson crossings decide");
        // A step sharper than the grid (64/64, then 0/64): the crossing is anywhere in the bracket, σ = width / √12.
        var (lo0, hi0) = ExponentialEstimators.Wilson(0, 64);
        var (lo1, hi1) = ExponentialEstimators.Wilson(64, 64);
        var step = ExponentialEstimators.Crossing([(0.5903, 1.0, lo1, hi1), (0.6095, 1.0, lo1, hi1), (0.6280, 0.0, lo0, hi0), (0.6476, 0.0, lo0, hi0)]);
        Assert.Equal((0.6095 + 0.6280) / 2, step.Value!.Value, 3);
        Assert.Equal((0.6280 - 0.6095) / Math.Sqrt(12), step.Sigma, 12);
        // 64/64 then 2/64 (P = 10⁹, β_net = 2): as sharp; 0.8 then 0.2 (above): the interpolation is informative.
        var (lo2, hi2) = ExponentialEstimators.Wilson(2, 64);
        var almost = ExponentialEstimators.Crossing([(0.8635, 1.0, lo1, hi1), (0.9010, 2 / 64.0, lo2, hi2), (0.9420, 0.0, lo0, hi0)]);
        Assert.Equal((0.9010 - 0.8635) / Math.Sqrt(12), almost.Sigma, 12);
        // The median weight: ln p linear in α between the points either side of ½ (P = 10⁹, β_net = 1 medians).
        var median = ExponentialEstimators.MedianCrossing([(0.6476, 0.294), (0.6095, 0.591), (0.6280, 0.436)]);
        Assert.Equal(0.6095 + (Math.Log(0.591) - Math.Log(0.5)) / (Math.Log(0.591) - Math.Log(0.436)) * (0.6280 - 0.6095), median.Value!.Value, 12);
        Assert.InRange(median.Value!.Value, 0.6095, 0.6280);
        Assert.Null(ExponentialEstimators.MedianCrossing([(0.3701, 0.718), (0.3838, 0.540)]).Value);
        Assert.StartsWith("median ≥ ½ up to the largest load (0.3838", ExponentialEstimators.MedianCrossing([(0.3701, 0.718), (0.3838, 0.540)]).Note, StringComparison.Ordinal);
        var fit = ExponentialEstimators.FitLine([(0.1, 1.1, 0.01), (0.2, 1.2, 0.01), (0.05, 1.05, 0.01)])!;
        Assert.Equal(1.0, fit.Intercept, 10);
        Assert.Equal(1.0, fit.Slope, 10);
    }

    // φ = ξ·x over the stored unit-norm rows (float32 rows widened, float64 sums), as the experiment defines it.
    private static double Overlap(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var dot = 0.0;
        for (var k = 0; k < a.Length; k++) dot += (double)a[k] * b[k];
        return dot;
    }

    private static double Overlap(double[] q, ReadOnlySpan<float> x)
    {
        var dot = 0.0;
        for (var k = 0; k < q.Length; k++) dot += q[k] * x[k];
        return dot;
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Hfy.Distributed.sln"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root not found");
    }
}
