using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Coordinator.Tests.Experiments;
using Microsoft.Data.Sqlite;

namespace Hfy.Coordinator.Tests.Results;

public class ResultsStoreTests
{
    internal static CellRecord Cell(string id, int index, long n, string map, double rate, int repeat = 0)
    {
        var hist = new long[CellMetrics.HistogramBins];
        hist[1] = 3;
        hist[11] = 1;
        var p = new CellParams(n, map, 2.5, "identity", 0.1, repeat);
        var m = new CellMetrics(4, rate, rate, 0.75, 0.9, hist, 3.5, 2.25, 4, 0, 7, 1024, 12.5);
        return new CellRecord(id, Cell0Key(p), index, p, m, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), new DateTime(2026, 1, 2, 3, 4, 6, DateTimeKind.Utc));
    }

    private static string Cell0Key(CellParams p) => p.GroupKey + "|r=" + p.Repeat;

    private static ExperimentSpec Spec => ExperimentSpec.Parse(ExperimentRunnerTests.SmallCapacity);

    [Fact]
    public void Database_IsAFileInTheDataDirectory_InWalMode()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        Assert.Equal(Path.Combine(dir.Path, "results.db"), store.Path);
        Assert.True(File.Exists(store.Path));
        using var c = new SqliteConnection($"Data Source={store.Path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)cmd.ExecuteScalar()!);
    }

    [Fact]
    public void SameCellTwice_IsStoredOnce()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var id = store.CreateExperiment(Spec, 24);
        var cell = Cell(id, 0, 20, "sparsemax", 0.5);
        Assert.True(store.TryAddCell(cell));
        Assert.False(store.TryAddCell(cell with { Metrics = cell.Metrics with { SuccessRate = 1 } }));
        var stored = Assert.Single(store.GetCells(id));
        Assert.Equal(0.5, stored.Metrics.SuccessRate);
        Assert.Equal(cell.Metrics.SupportHistogram, stored.Metrics.SupportHistogram);
        Assert.Equal(cell.Params, stored.Params);
        Assert.Equal(cell.StartedUtc, stored.StartedUtc);
        Assert.Equal(1, store.CountCells(id));
    }

    [Fact]
    public void Experiments_KeepSpecStatusAndCounts_AcrossReopen()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var a = store.CreateExperiment(Spec, 24);
        var b = store.CreateExperiment(Spec, 24);
        store.TryAddCell(Cell(a, 0, 20, "sparsemax", 1));
        store.SetStatus(b, ExperimentStatus.Finished);

        var reopened = ResultsStore.Open(dir.Path);
        var ea = reopened.GetExperiment(a)!;
        Assert.Equal("small capacity", ea.Name);
        Assert.Equal(ExperimentStatus.Queued, ea.Status);
        Assert.Equal(1, ea.DoneCells);
        Assert.Equal(24, ea.TotalCells);
        Assert.Equal(Spec, ea.Spec with { }, new SpecComparer());
        Assert.NotNull(reopened.GetExperiment(b)!.FinishedUtc);
        Assert.Equal([a], reopened.Unfinished().Select(e => e.Id));
        Assert.Equal(2, reopened.ListExperiments().Count);
        Assert.Null(reopened.GetExperiment("nope"));
        Assert.Throws<KeyNotFoundException>(() => reopened.SetStatus("nope", ExperimentStatus.Failed));
    }

    private sealed class SpecComparer : IEqualityComparer<ExperimentSpec>
    {
        public bool Equals(ExperimentSpec? x, ExperimentSpec? y) => x?.ToJson() == y?.ToJson();

        public int GetHashCode(ExperimentSpec obj) => obj.ToJson().GetHashCode(StringComparison.Ordinal);
    }
}
