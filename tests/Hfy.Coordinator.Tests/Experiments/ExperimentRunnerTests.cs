using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Tests.Experiments;

public class ExperimentRunnerTests
{
    internal const string SmallCapacity = """
        {
          "name": "small capacity", "kind": "capacity",
          "bank": { "source": "sphere", "seed": 3, "dim": 12 },
          "grid": { "sizes": [20, 400], "maps": [ { "name": "softmax" }, { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 } ],
                    "betas": [2, 40], "noise": [0.01], "steps": 4, "repeats": 2 },
          "queries": 10, "seed": 5, "tol": 1e-9
        }
        """;

    private static (ExperimentRunner Runner, ResultsStore Store, CountingEngine Engine) NewRunner(string dir, int concurrency = 2)
    {
        var store = ResultsStore.Open(dir);
        var engine = new CountingEngine(new LocalEngine());
        return (new ExperimentRunner(engine, store, new RunnerOptions(MaxConcurrentCells: concurrency)), store, engine);
    }

    [Fact]
    public async Task SmallCapacityExperiment_RunsEndToEnd_OnTheLocalEngine()
    {
        using var dir = new TempDir();
        var (runner, store, engine) = NewRunner(dir.Path);
        var id = runner.Submit(ExperimentSpec.Parse(SmallCapacity), SpecLimits.Default);
        var reports = new List<ExperimentProgress>();
        await runner.RunAsync(id, new SyncProgress(reports), CancellationToken.None);

        var cells = store.GetCells(id);
        Assert.Equal(2 * 2 * 3 * 2, cells.Count);
        Assert.Equal(cells.Count, engine.Total);
        Assert.Equal(ExperimentStatus.Finished, store.GetExperiment(id)!.Status);
        Assert.Equal(cells.Count, reports.Last().Done);
        Assert.Equal(ExperimentStatus.Finished, reports.Last().Status);
        Assert.Equal(Enumerable.Range(0, cells.Count + 1), reports.Where(r => r.LastCell is not null || r.Done == 0).Select(r => r.Done));

        Assert.All(cells, c =>
        {
            Assert.Equal(10, c.Metrics.Queries);
            Assert.Equal(10, c.Metrics.SupportHistogram.Sum());
            Assert.Equal(0, c.Metrics.EnergyViolations);
            Assert.Equal(c.Metrics.ExactRate, c.Metrics.SuccessRate);
        });
        // Softmax never retrieves exactly; sparse maps at large β on a few well-separated patterns always do.
        Assert.All(cells.Where(c => c.Params.Map == "softmax"), c => Assert.Equal(0.0, c.Metrics.ExactRate));
        Assert.All(cells.Where(c => c.Params.Map != "softmax" && c.Params.Beta == 40 && c.Params.N == 20), c =>
        {
            Assert.Equal(1.0, c.Metrics.ExactRate);
            Assert.Equal(10, c.Metrics.SupportHistogram[1]);
        });
    }

    [Fact]
    public async Task StoppedMidRun_Resumes_WithoutLosingOrRepeatingCells()
    {
        using var reference = new TempDir();
        var (refRunner, refStore, _) = NewRunner(reference.Path);
        var refId = refRunner.Submit(ExperimentSpec.Parse(SmallCapacity), SpecLimits.Default);
        await refRunner.RunAsync(refId, null, CancellationToken.None);
        var expected = refStore.GetCells(refId).ToDictionary(c => c.Key, c => Comparable(c.Metrics));

        using var dir = new TempDir();
        var (runner, store, engine) = NewRunner(dir.Path);
        var id = runner.Submit(ExperimentSpec.Parse(SmallCapacity), SpecLimits.Default);
        using var cts = new CancellationTokenSource();
        var stopAfter = new InlineProgress(p =>
        {
            if (p.Done >= 5) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(id, stopAfter, cts.Token));
        var storedBefore = store.CountCells(id);
        Assert.InRange(storedBefore, 5, expected.Count - 1);
        Assert.Equal(ExperimentStatus.Running, store.GetExperiment(id)!.Status);
        Assert.Equal(storedBefore, engine.Total);

        // A new runner (as after a restart) over the same store finishes the rest.
        var (runner2, store2, engine2) = NewRunner(dir.Path);
        var reports = new List<ExperimentProgress>();
        await runner2.RunAsync(id, new SyncProgress(reports), CancellationToken.None);
        Assert.Equal(storedBefore, reports[0].Done);
        Assert.Equal(expected.Count - storedBefore, engine2.Total);
        Assert.Equal(expected.Count, store2.CountCells(id));
        Assert.Equal(ExperimentStatus.Finished, store2.GetExperiment(id)!.Status);
        var cells = store2.GetCells(id);
        Assert.Equal(expected.Count, cells.Select(c => c.Key).Distinct().Count());
        foreach (var c in cells) Assert.Equal(expected[c.Key], Comparable(c.Metrics));

        // Running a finished experiment again runs nothing.
        var (runner3, store3, engine3) = NewRunner(dir.Path);
        await runner3.RunAsync(id, null, CancellationToken.None);
        Assert.Equal(0, engine3.Total);
        Assert.Equal(expected.Count, store3.CountCells(id));
    }

    [Fact]
    public void Submit_RejectsAnInvalidSpec_AndStoresNothing()
    {
        using var dir = new TempDir();
        var (runner, store, _) = NewRunner(dir.Path);
        var bad = ExperimentSpec.Parse(SmallCapacity.Replace("\"repeats\": 2", "\"repeats\": 0", StringComparison.Ordinal));
        var e = Assert.Throws<SpecValidationException>(() => runner.Submit(bad, SpecLimits.Default));
        Assert.Equal("grid.repeats", Assert.Single(e.Errors).Path);
        Assert.Empty(store.ListExperiments());
    }

    /// <summary>Metrics without the wall-clock time, as a comparable string.</summary>
    internal static string Comparable(CellMetrics m)
        => System.Text.Json.JsonSerializer.Serialize(m with { ElapsedMs = 0 });

    internal sealed class SyncProgress(List<ExperimentProgress> into) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value)
        {
            lock (into) into.Add(value);
        }
    }

    internal sealed class InlineProgress(Action<ExperimentProgress> action) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => action(value);
    }
}
