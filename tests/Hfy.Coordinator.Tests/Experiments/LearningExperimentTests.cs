using Hfy.Experiments;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Learning;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>The learning kinds (mil, rationale) through the experiment runner: validation, stored cells, two phases, resume.</summary>
public class LearningExperimentTests
{
    /// <summary>A MIL grid small enough for a test: tiger, 2 maps × 2 learning rates, 3 folds, 2 seeds, 1 epoch.</summary>
    internal const string SmallMil = """
        {
          "name": "small mil", "kind": "mil",
          "mil": {
            "datasets": ["tiger"], "maps": [ { "name": "softmax" }, { "name": "ksubsets", "k": 5 } ],
            "lr": [0.001, 0.01], "embDims": [8], "hiddenSize": [4], "heads": [2],
            "epochs": 1, "folds": 3, "seeds": 2
          }
        }
        """;

    private const string SmallRationale = """
        {
          "name": "small rationale", "kind": "rationale",
          "rationale": { "train": 20, "test": 10, "epochs": 1, "seeds": 2,
                         "maps": [ { "name": "ksubsets", "k": 5 }, { "name": "seq-ksubsets", "k": 5, "w": 1 } ] }
        }
        """;

    [Fact]
    public async Task Mil_RunsGridSearchThenReruns_StoresEveryCell_AndResumesWithoutRerunning()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new LocalEngine(), store);
        var spec = ExperimentSpec.Parse(SmallMil);
        var id = runner.Submit(spec, SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        // Per map: 2 configurations × 3 folds on seed 0, then the chosen one × 3 folds on seed 1.
        Assert.Equal(2 * ((2 * 3) + 3), cells.Count);
        Assert.Equal(cells.Count, (int)GridExpansion.Count(spec));
        Assert.All(cells, c => Assert.NotNull(c.Metrics.Learning));
        foreach (var map in cells.GroupBy(c => c.Metrics.Learning!.Map))
        {
            var phase2 = map.Where(c => c.Metrics.Learning!.Phase == 2).ToArray();
            Assert.Equal(3, phase2.Length);
            Assert.Single(phase2.Select(c => c.Metrics.Learning!.Config).Distinct());
            Assert.All(phase2, c => Assert.Equal(1, c.Metrics.Learning!.Seed));
        }

        Assert.Equal(ExperimentStatus.Finished, store.GetExperiment(id)!.Status);
        var report = LearningReport.Markdown(cells);
        Assert.Contains("| tiger | softmax | test ROC-AUC |", report, StringComparison.Ordinal);

        // A second run finds every cell stored and adds none.
        await runner.RunAsync(id, null, CancellationToken.None);
        Assert.Equal(cells.Count, store.GetCells(id).Count);
    }

    [Fact]
    public async Task Rationale_StoresOneCellPerMapAndSeed_WithPrecisionAndRuns()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new LocalEngine(), store);
        var id = runner.Submit(ExperimentSpec.Parse(SmallRationale), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var cells = store.GetCells(id);
        Assert.Equal(4, cells.Count);
        Assert.All(cells, c => Assert.InRange(c.Metrics.Learning!.Runs!.Value, 1.0, 5.0));
        Assert.All(cells, c => Assert.InRange(c.Metrics.Learning!.Precision!.Value, 0.0, 1.0));
        Assert.Contains("seq-ksubsets-5-w1", LearningReport.Markdown(cells), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "kind": "mil", "mil": { "datasets": ["lion"], "maps": [ { "name": "softmax" } ] } }""", "mil.datasets[0]")]
    [InlineData("""{ "kind": "mil", "mil": { "datasets": ["tiger"], "maps": [ { "name": "entmax", "alpha": 0.5 } ] } }""", "mil.maps[0]")]
    [InlineData("""{ "kind": "mil", "mil": { "datasets": ["tiger"], "maps": [ { "name": "softmax" } ], "dropout": [1.0] } }""", "mil.dropout")]
    [InlineData("""{ "kind": "mil" }""", "mil")]
    [InlineData("""{ "kind": "rationale", "rationale": { "maps": [ { "name": "softmax" } ] } }""", "rationale.maps[0].name")]
    [InlineData("""{ "kind": "rationale", "rationale": { "span": 50, "maps": [ { "name": "ksubsets" } ] } }""", "rationale.span")]
    public void BadLearningSpecs_GetOneErrorNamingTheField(string json, string path)
    {
        var (_, errors) = SpecValidator.ParseAndValidate(json, SpecLimits.Default);
        var error = Assert.Single(errors);
        Assert.StartsWith(path, error.Path, StringComparison.Ordinal);
    }
}
