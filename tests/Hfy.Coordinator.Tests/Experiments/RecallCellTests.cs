using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Recall;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

public class RecallCellTests
{
    internal const string SmallFreeRecall = """
        {
          "name": "small free recall", "kind": "free-recall",
          "bank": { "source": "gaussian", "seed": 11, "dim": 64 },
          "grid": { "sizes": [12, 40], "maps": [ { "name": "csparsemax" }, { "name": "sparsemax" }, { "name": "softmax" } ],
                    "betas": [0.01, 0.3], "steps": 3, "repeats": 2 },
          "recall": { "lambda": 1e8, "rho": 0.001, "start": 1 }
        }
        """;

    internal const string SmallSequentialRecall = """
        {
          "name": "small sequential recall", "kind": "sequential-recall",
          "bank": { "source": "gaussian", "seed": 21, "dim": 16 },
          "grid": { "sizes": [10, 60], "maps": [ { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 } ],
                    "betas": [0.1, 1], "steps": 3, "repeats": 2 },
          "recall": { "w": 1e8, "start": 2 }
        }
        """;

    internal static async Task<(ResultsStore Store, string Id)> RunAsync(string dir, string json, int concurrency = 2)
    {
        var store = ResultsStore.Open(dir);
        // Recall cells run on the single-node kernels: an engine that refuses every call proves they never touch it.
        var runner = new ExperimentRunner(new NoEngine(), store, new RunnerOptions(MaxConcurrentCells: concurrency));
        var id = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        return (store, id);
    }

    private static Bank Gaussian(long n, int dim, ulong seed) => BankSources.Load(new BankSpec("direct", n, dim, BankSourceKind.Gaussian, seed));

    [Fact]
    public async Task FreeRecallExperiment_EqualsTheKernelLibrary_CellByCell()
    {
        using var dir = new TempDir();
        var (store, id) = await RunAsync(dir.Path, SmallFreeRecall);
        var cells = store.GetCells(id);
        Assert.Equal(2 * 2 * 3 * 2, cells.Count);
        Assert.Equal(ExperimentStatus.Finished, store.GetExperiment(id)!.Status);
        foreach (var c in cells)
        {
            // The same cell straight through Hfy.Kernels.Recall: bank seed + repeat, β and T from the grid, docs/math.md §5 defaults.
            var bank = Gaussian(c.Params.N, 64, 11 + (ulong)c.Params.Repeat);
            var expected = c.Params.Map switch
            {
                "csparsemax" => FreeRecall.ConstrainedSparsemax(bank, new RecallOptions(Beta: c.Params.Beta, Steps: 3, Start: 1)),
                "penalized-sparsemax" => FreeRecall.Penalized(bank, new RecallOptions(Beta: c.Params.Beta, Steps: 3, Alpha: 2, Lambda: 1e8, Rho: 0.001, Start: 1)),
                "penalized-softmax" => FreeRecall.Penalized(bank, new RecallOptions(Beta: c.Params.Beta, Steps: 3, Alpha: 1, Lambda: 1e8, Rho: 0.001, Start: 1)),
                _ => throw new InvalidOperationException(c.Params.Map),
            };
            var m = c.Metrics;
            Assert.Equal(expected.Order, m.RecallOrder);
            Assert.Equal(expected.UniqueRatio, m.SuccessRate);
            Assert.Equal(expected.UniqueRatio, m.UniqueRatio);
            Assert.Null(m.LevenshteinCoefficient);
            Assert.Equal(c.Params.N, m.Queries);
            Assert.Equal(expected.UniqueRatio == 1 ? 1.0 : 0.0, m.ExactRate);
            Assert.Equal((3.0, 3, 0, 0L), (m.MeanSteps, m.MaxSteps, m.EnergyViolations, m.RoundTrips));
            Assert.Equal(("identity", 0.0), (c.Params.Post, c.Params.Noise));
        }
        // Constrained sparsemax recalls every memory once at β = 0.3 (docs/math.md §5); at β = 0.01 the weights spread
        // over many memories and argmax p repeats, so the comparison above covers both perfect and imperfect runs.
        Assert.All(cells.Where(c => c.Params.Map == "csparsemax" && c.Params.Beta == 0.3), c => Assert.Equal(1.0, c.Metrics.SuccessRate));
        Assert.Contains(cells, c => c.Metrics.SuccessRate < 0.6);
    }

    [Fact]
    public async Task SequentialRecallExperiment_EqualsTheKernelLibrary_CellByCell()
    {
        using var dir = new TempDir();
        var (store, id) = await RunAsync(dir.Path, SmallSequentialRecall);
        var cells = store.GetCells(id);
        Assert.Equal(2 * 2 * 2 * 2, cells.Count);
        foreach (var c in cells)
        {
            var bank = Gaussian(c.Params.N, 16, 21 + (ulong)c.Params.Repeat);
            var alpha = c.Params.Map switch { "seq2-sparsemax" => 2.0, "seq2-entmax-1.5" => 1.5, _ => throw new InvalidOperationException(c.Params.Map) };
            var expected = SequentialRecall.Run(bank, new RecallOptions(Beta: c.Params.Beta, Steps: 3, Alpha: alpha, Lambda: 1e8, Rho: 0.001, W: 1e8, Start: 2));
            var m = c.Metrics;
            Assert.Equal(expected.Order, m.RecallOrder);
            Assert.Equal(expected.LevenshteinCoefficient, m.SuccessRate);
            Assert.Equal(expected.LevenshteinCoefficient, m.LevenshteinCoefficient);
            Assert.Equal(expected.UniqueRatio, m.UniqueRatio);
            Assert.Equal(c.Params.N - 2, m.Queries);
        }
        // Both regimes are covered: some runs recall exactly in order from the cue, some are far from it.
        Assert.Contains(cells, c => c.Metrics.RecallOrder!.SequenceEqual(Enumerable.Range(2, (int)c.Params.N - 2)) && c.Metrics.SuccessRate == 1);
        Assert.Contains(cells, c => c.Metrics.SuccessRate < 0.5);
    }

    [Fact]
    public async Task RecallExperiment_StoppedMidRun_ResumesWithoutLosingOrRepeatingCells()
    {
        using var reference = new TempDir();
        var (refStore, refId) = await RunAsync(reference.Path, SmallFreeRecall);
        var expected = refStore.GetCells(refId).ToDictionary(c => c.Key, c => ExperimentRunnerTests.Comparable(c.Metrics));

        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new NoEngine(), store, new RunnerOptions(MaxConcurrentCells: 1));
        var id = runner.Submit(ExperimentSpec.Parse(SmallFreeRecall), SpecLimits.Default);
        using var cts = new CancellationTokenSource();
        var stopAfter = new ExperimentRunnerTests.InlineProgress(p =>
        {
            if (p.Done >= 5) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(id, stopAfter, cts.Token));
        var before = store.GetCells(id).Select(c => (c.Key, c.FinishedUtc)).ToArray();
        Assert.InRange(before.Length, 5, expected.Count - 1);

        await new ExperimentRunner(new NoEngine(), store).RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        Assert.Equal(expected.Count, cells.Count);
        Assert.Equal(expected.Count, cells.Select(c => c.Key).Distinct().Count());
        foreach (var c in cells) Assert.Equal(expected[c.Key], ExperimentRunnerTests.Comparable(c.Metrics));
        // The cells stored before the stop were not run again (same finish time).
        foreach (var (key, finished) in before) Assert.Equal(finished, cells.Single(c => c.Key == key).FinishedUtc);
    }

    [Fact]
    public void Options_TakeBetaAndStepsFromTheCell_AndTheRestFromTheRecallSection()
    {
        var spec = ExperimentSpec.Parse(SmallSequentialRecall);
        var cell = GridExpansion.Expand(spec).First(c => c.Map.Label == "seq2-entmax-1.5" && c.Beta == 1);
        var o = RecallCell.Options(spec, cell);
        Assert.Equal(new RecallOptions(Beta: 1, Steps: 3, Alpha: 1.5, Lambda: 1e8, Rho: 0.001, W: 1e8, Count: null, Start: 2), o);
    }

    /// <summary>An engine that fails every call.</summary>
    private sealed class NoEngine : IRetrievalEngine
    {
        public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => throw new InvalidOperationException("recall cells must not use the engine");

        public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => throw new InvalidOperationException("recall cells must not use the engine");

        public Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
            => throw new InvalidOperationException("recall cells must not use the engine");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
