using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>The store-backed experiment view: live curves, ETA, results, and refusal without a manager.</summary>
public sealed class ManagerExperimentServiceTests : IDisposable
{
    private const string Spec = """
        {
          "name": "curves",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 1, "dim": 8 },
          "grid": {
            "sizes": [100, 1000],
            "maps": [ { "name": "sparsemax" }, { "name": "softmax" } ],
            "betas": [4],
            "posts": ["identity"],
            "noise": [0.1],
            "steps": 2,
            "repeats": 3
          },
          "success": { "criterion": "exact" },
          "queries": 4,
          "seed": 1
        }
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfy-web-store-");

    public void Dispose()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // SQLite's pool may still hold the file; the temp folder is the OS's to clean.
        }
    }

    [Fact]
    public async Task Curves_AreTheMedianOverRepeats_PerMap_AndGrowAsCellsAreStored()
    {
        var store = ResultsStore.Open(_dir.FullName);
        var spec = ExperimentSpec.Parse(Spec);
        var cells = GridExpansion.Expand(spec);
        Assert.Equal(12, cells.Count);
        var id = store.CreateExperiment(spec, cells.Count);
        store.SetStatus(id, ExperimentStatus.Running);
        var service = new ManagerExperimentService(null, null, store);

        // sparsemax at N=100: success 1, 0.5, 0.75 over the repeats → median 0.75; softmax always 0.
        var rates = new Dictionary<(long, string, int), double>
        {
            [(100, "sparsemax", 0)] = 1, [(100, "sparsemax", 1)] = 0.5, [(100, "sparsemax", 2)] = 0.75,
            [(1000, "sparsemax", 0)] = 0.25, [(1000, "sparsemax", 1)] = 0.25, [(1000, "sparsemax", 2)] = 0,
        };
        foreach (var c in cells.Where(c => c.N == 100))
        {
            Store(store, id, c, rates.GetValueOrDefault((c.N, c.Map.Label, c.Repeat)));
        }

        var view = service.Get(id)!;
        Assert.Equal("running", view.State);
        Assert.Equal(6, view.CellsDone);
        Assert.Equal(0.5, view.Progress, 12);
        Assert.NotNull(view.EtaSeconds);
        var sparse = Assert.Single(view.Curves, s => s.Label == "sparsemax");
        Assert.Equal([new CapacityPoint(100, 0.75)], sparse.Points);

        foreach (var c in cells.Where(c => c.N == 1000))
        {
            Store(store, id, c, rates.GetValueOrDefault((c.N, c.Map.Label, c.Repeat)));
        }

        view = service.List().Single();
        sparse = Assert.Single(view.Curves, s => s.Label == "sparsemax");
        Assert.Equal([new CapacityPoint(100, 0.75), new CapacityPoint(1000, 0.25)], sparse.Points);
        var soft = Assert.Single(view.Curves, s => s.Label == "softmax");
        Assert.All(soft.Points, p => Assert.Equal(0, p.Success));

        var json = await service.GetResultsJsonAsync(id, default);
        Assert.Contains("\"doneCells\": 12", json, StringComparison.Ordinal);
        Assert.Null(await service.GetResultsJsonAsync("nope", default));
        Assert.Null(service.Get("nope"));
    }

    [Fact]
    public async Task WithoutAManager_SubmissionsAreRefused_AndNothingIsCreated()
    {
        var store = ResultsStore.Open(_dir.FullName);
        var service = new ManagerExperimentService(null, null, store);
        var outcome = await service.SubmitAsync(Spec, null, default);
        Assert.False(outcome.Accepted);
        Assert.StartsWith("spec: this process runs its own experiment", Assert.Single(outcome.Problems), StringComparison.Ordinal);
        Assert.Empty(store.ListExperiments());
    }

    [Fact]
    public async Task ExponentialExperiment_IsChartedAgainstTheLoad_WithTheTheoryOfDocsMath()
    {
        const string exponential = """
            {
              "name": "theory", "kind": "exponential",
              "bank": { "source": "sphere", "seed": 11 },
              "queries": 6, "seed": 4, "tol": 1e-9,
              "exponential": {
                "alphas": [0.3, 0.6], "betaNets": [2], "dims": [6],
                "maps": [ { "name": "softmax" }, { "name": "sparsemax" } ],
                "starts": [1, 0.7], "steps": 4, "banks": 1
              }
            }
            """;
        var store = ResultsStore.Open(_dir.FullName);
        var runner = new ExperimentRunner(new Hfy.Experiments.Engines.LocalEngine(), store);
        var id = runner.Submit(ExperimentSpec.Parse(exponential), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);

        var view = new ManagerExperimentService(null, null, store).Get(id)!;
        Assert.Equal(CapacityAxis.Load, view.XAxis);
        // One measured series per (map, φ₀), each over both loads; theory only beside the φ₀ = 1 series.
        Assert.Equal(4, view.Curves.Count);
        Assert.All(view.Curves, c => Assert.Equal(2, c.Points.Count));
        Assert.Equal(2, view.Theory.Count);

        var groups = Hfy.Experiments.Exponential.ExponentialReport.Groups(Hfy.Experiments.Exponential.ExponentialReport.Metrics(store.GetCells(id)));
        var sparse = groups.First(g => g.Map == "sparsemax" && g.Start == 1);
        var oneHot = Assert.Single(view.Theory, t => t.Label.StartsWith("theory P(one-hot): sparsemax", StringComparison.Ordinal));
        Assert.Equal(sparse.AlphaEff, oneHot.Points[0].X, 12);
        foreach (var p in oneHot.Points)
        {
            Assert.Equal(Hfy.Kernels.Theory.ExponentialCapacity.OneHotProbability(6, Math.Exp(p.X * 6), 2, sparse.Margin!.Value), p.Success, 12);
        }

        // P(one-hot) at the measured load equals the value the exponential runner stored for that cell.
        Assert.Equal(sparse.OneHotProbability!.Value,
            Hfy.Kernels.Theory.ExponentialCapacity.OneHotProbability(6, sparse.Patterns, 2, sparse.Margin!.Value), 9);

        var critical = Hfy.Kernels.Theory.ExponentialCapacity.CriticalLoad(2);
        var step = Assert.Single(view.Theory, t => t.Label.StartsWith("theory α_c=", StringComparison.Ordinal));
        Assert.Contains(new CapacityPoint(critical, 1), step.Points);
        Assert.Contains(new CapacityPoint(critical, 0), step.Points);
        Assert.All(step.Points.Where(p => p.X < critical), p => Assert.Equal(1, p.Success));
        Assert.All(step.Points.Where(p => p.X > critical), p => Assert.Equal(0, p.Success));
    }

    private static void Store(ResultsStore store, string id, Cell c, double success)
    {
        var metrics = new CellMetrics(4, success, success, success, 0.9, new long[CellMetrics.HistogramBins], 1, 2, 2, 0, 8, 100, 1);
        Assert.True(store.TryAddCell(new CellRecord(id, c.Key, c.Index, CellParams.Of(c), metrics, DateTime.UtcNow.AddSeconds(-1), DateTime.UtcNow)));
    }
}
