using Hfy.Experiments.Results;
using Hfy.Coordinator.Tests.Experiments;
using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class RunCommandTests
{
    [Fact]
    public void Run_RecallSpec_StoresEveryCell_AndWritesCsvJsonAndPlots()
    {
        using var dir = new CliTempDir();
        var spec = dir.Write("free.json", RecallCellTests.SmallFreeRecall);
        var data = Path.Combine(dir.Path, "data");
        var (code, _, error) = Run("run", spec, "--data", data);
        Assert.True(code == 0, error);

        var store = ResultsStore.Open(data);
        var experiment = Assert.Single(store.ListExperiments());
        Assert.Equal((ExperimentStatus.Finished, 24, 24), (experiment.Status, experiment.TotalCells, experiment.DoneCells));
        var outDir = Path.Combine(data, "experiments", experiment.Id);
        var csv = File.ReadAllLines(Path.Combine(outDir, $"{experiment.Id}-cells.csv"));
        Assert.Equal(25, csv.Length);
        var header = csv[0].Split(',');
        var cells = store.GetCells(experiment.Id);
        for (var j = 0; j < cells.Count; j++)
        {
            var row = csv[j + 1].Split(',');
            Assert.Equal(cells[j].Metrics.UniqueRatio!.Value,
                double.Parse(row[Array.IndexOf(header, "unique_ratio")], System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.True(File.Exists(Path.Combine(outDir, $"{experiment.Id}.json")));
        Assert.True(new FileInfo(Path.Combine(outDir, $"{experiment.Id}-success-vs-n.png")).Length > 2000);
        Assert.True(new FileInfo(Path.Combine(outDir, $"{experiment.Id}-success-vs-beta.png")).Length > 2000);
    }

    [Fact]
    public void Run_RationaleSpec_OnTheEmbeddedCluster_GivesTheNumbersOfALocalRun()
    {
        using var dir = new CliTempDir();
        var spec = dir.Write("rationale.json", """
            { "name": "cli rationale", "kind": "rationale",
              "rationale": { "train": 20, "test": 10, "epochs": 1, "seeds": 2, "maps": [ { "name": "seq-ksubsets", "k": 5, "w": 1 } ] } }
            """);
        var (code, _, error) = Run("run", spec, "--nodes", "1", "--data", Path.Combine(dir.Path, "cluster"));
        Assert.True(code == 0, error);
        (code, _, error) = Run("run", spec, "--local", "--data", Path.Combine(dir.Path, "local"));
        Assert.True(code == 0, error);

        IReadOnlyList<Hfy.Learning.Experiments.LearningCellMetrics> Cells(string data)
        {
            var store = ResultsStore.Open(Path.Combine(dir.Path, data));
            return [.. store.GetCells(Assert.Single(store.ListExperiments()).Id).OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => c.Metrics.Learning! with { Seconds = 0, BagsPerSecond = 0 })];
        }

        Assert.Equal(Cells("local"), Cells("cluster"));
        Assert.Equal(2, Cells("cluster").Count);
    }

    [Fact]
    public void Run_InvalidRecallSpec_ExitsWithCode2_AndStoresNothing()
    {
        using var dir = new CliTempDir();
        var spec = dir.Write("bad.json", RecallCellTests.SmallFreeRecall.Replace("\"rho\": 0.001", "\"rho\": 0", StringComparison.Ordinal));
        var data = Path.Combine(dir.Path, "data");
        var (code, _, _) = Run("run", spec, "--data", data);
        Assert.Equal(2, code);
        Assert.Empty(ResultsStore.Open(data).ListExperiments());
    }

    [Fact]
    public void Run_RefusedSpec_CreatesNoDataDirectory()
    {
        using var dir = new CliTempDir();
        var spec = dir.Write("bad.json", RecallCellTests.SmallFreeRecall.Replace("\"rho\": 0.001", "\"rho\": 0", StringComparison.Ordinal));
        var data = Path.Combine(dir.Path, "data");
        var (code, _, _) = Run("run", spec, "--data", data);
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(data), "a refused run created the data directory");
    }

    [Fact]
    public void Run_SpecLargerThanTheLimits_IsRefused_AndCreatesNothing()
    {
        using var dir = new CliTempDir();
        var name = new string('n', 40_000);
        var spec = dir.Write("big.json", RecallCellTests.SmallFreeRecall.Replace("\"small free recall\"", $"\"{name}\"", StringComparison.Ordinal));
        var data = Path.Combine(dir.Path, "data");
        var (code, _, _) = Run("run", spec, "--data", data, "--max-spec-bytes", "4096");
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(data));

        // Under the default file limit, the name itself has a limit.
        (code, _, _) = Run("run", spec, "--data", data);
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(data));
        var errors = Hfy.Experiments.SpecValidator.ParseAndValidate(File.ReadAllText(spec), Hfy.Experiments.SpecLimits.Default).Errors;
        Assert.Equal("name: must be at most 200 characters (got 40000)", Assert.Single(errors).ToString());
    }
}
