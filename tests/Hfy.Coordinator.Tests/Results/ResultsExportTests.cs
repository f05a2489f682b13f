using System.Text.Json;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Coordinator.Tests.Experiments;

namespace Hfy.Coordinator.Tests.Results;

public class ResultsExportTests
{
    [Fact]
    public void Quantile_MatchesNumpyLinearInterpolation()
    {
        double[] rates = [0, 0.5, 1, 1];
        Assert.Equal(0.75, SummaryRow.Quantile(rates, 0.5), 12);
        Assert.Equal(0.375, SummaryRow.Quantile(rates, 0.25), 12);
        Assert.Equal(1.0, SummaryRow.Quantile(rates, 0.75), 12);
        Assert.Equal(0.3, SummaryRow.Quantile([0.3], 0.25), 12);
    }

    [Fact]
    public void Summary_GroupsRepeats_WithMedianAndIqr()
    {
        var cells = new[]
        {
            ResultsStoreTests.Cell("e", 0, 20, "sparsemax", 0.0, 0),
            ResultsStoreTests.Cell("e", 1, 20, "sparsemax", 0.5, 1),
            ResultsStoreTests.Cell("e", 2, 20, "sparsemax", 1.0, 2),
            ResultsStoreTests.Cell("e", 3, 20, "sparsemax", 1.0, 3),
            ResultsStoreTests.Cell("e", 4, 20, "softmax", 0.0, 0),
        };
        var rows = SummaryRow.Summarize(cells);
        Assert.Equal(2, rows.Count);
        var s = rows[0];
        Assert.Equal(("sparsemax", 4), (s.Map, s.Repeats));
        Assert.Equal((0.75, 0.375, 1.0), (s.Median, s.Q1, s.Q3));
        Assert.Equal(12, s.SupportHistogram[1]);
        Assert.Equal(4, s.SupportHistogram[11]);
        Assert.Equal(28, s.RoundTrips);
    }

    [Fact]
    public void CellsCsv_HasAHeaderAndOneInvariantRowPerCell()
    {
        var cells = new[] { ResultsStoreTests.Cell("e", 1, 1000, "entmax-1.5", 0.25), ResultsStoreTests.Cell("e", 0, 20, "sparsemax", 0.5) };
        var lines = ResultsExport.CellsCsv(cells).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(ResultsExport.CellCsvHeader, lines[0]);
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        Assert.Equal(header.Length, row.Length);
        string F(string col) => row[Array.IndexOf(header, col)];
        Assert.Equal("n=20|map=sparsemax|beta=2.5|post=identity|noise=0.1|r=0", F("cell_key"));
        Assert.Equal(("20", "sparsemax", "2.5", "identity", "0.1"), (F("n"), F("map"), F("beta"), F("post"), F("noise")));
        Assert.Equal(("0.5", "0.75", "3", "1", "0"), (F("success_rate"), F("cosine_rate"), F("support_1"), F("support_gt10"), F("energy_violations")));
        Assert.Equal(("7", "1024", "12.5"), (F("round_trips"), F("bytes_moved"), F("elapsed_ms")));
        Assert.StartsWith("n=1000|map=entmax-1.5", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Json_HoldsSpecCellsAndSummary()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var id = store.CreateExperiment(ExperimentSpec.Parse(ExperimentRunnerTests.SmallCapacity), 24);
        store.TryAddCell(ResultsStoreTests.Cell(id, 0, 20, "sparsemax", 0.5));
        store.TryAddCell(ResultsStoreTests.Cell(id, 1, 20, "sparsemax", 1.0, 1));
        using var doc = JsonDocument.Parse(ResultsExport.Json(store.GetExperiment(id)!, store.GetCells(id)));
        var root = doc.RootElement;
        Assert.Equal(id, root.GetProperty("id").GetString());
        Assert.Equal(2, root.GetProperty("doneCells").GetInt32());
        Assert.Equal(400, root.GetProperty("spec").GetProperty("grid").GetProperty("sizes")[1].GetInt32());
        var cells = root.GetProperty("cells");
        Assert.Equal(2, cells.GetArrayLength());
        Assert.Equal(0.5, cells[0].GetProperty("metrics").GetProperty("successRate").GetDouble());
        Assert.Equal("sparsemax", cells[1].GetProperty("params").GetProperty("map").GetString());
        var summary = Assert.Single(root.GetProperty("summary").EnumerateArray());
        Assert.Equal(0.75, summary.GetProperty("median").GetDouble());
        Assert.Equal(2, summary.GetProperty("repeats").GetInt32());

        var files = ResultsExport.WriteAll(store.GetExperiment(id)!, store.GetCells(id), Path.Combine(dir.Path, "out"));
        Assert.Equal(3, files.Count);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100));
    }

    [Fact]
    public async Task RecallExports_CarryTheProtocolMetrics()
    {
        using var dir = new TempDir();
        var (store, id) = await RecallCellTests.RunAsync(dir.Path, RecallCellTests.SmallSequentialRecall);
        var cells = store.GetCells(id);

        var lines = ResultsExport.CellsCsv(cells).TrimEnd('\n').Split('\n');
        Assert.Equal(cells.Count + 1, lines.Length);
        var header = lines[0].Split(',');
        for (var j = 0; j < cells.Count; j++)
        {
            var row = lines[j + 1].Split(',');
            Assert.Equal(header.Length, row.Length);
            string F(string col) => row[Array.IndexOf(header, col)];
            var m = cells[j].Metrics;
            Assert.Equal(cells[j].Key, F("cell_key"));
            Assert.Equal(m.LevenshteinCoefficient!.Value, double.Parse(F("levenshtein"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(m.UniqueRatio!.Value, double.Parse(F("unique_ratio"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(m.SuccessRate, double.Parse(F("success_rate"), System.Globalization.CultureInfo.InvariantCulture));
        }

        // Summary: median and IQR of the Levenshtein coefficient over the two repeats, the mean unique ratio.
        var summary = ResultsExport.SummaryCsv(SummaryRow.Summarize(cells)).TrimEnd('\n').Split('\n');
        Assert.Equal(ResultsExport.SummaryCsvHeader, summary[0]);
        Assert.Equal(cells.Count / 2 + 1, summary.Length);
        var sh = summary[0].Split(',');
        foreach (var line in summary.Skip(1))
        {
            var row = line.Split(',');
            string G(string col) => row[Array.IndexOf(sh, col)];
            double D(string col) => double.Parse(G(col), System.Globalization.CultureInfo.InvariantCulture);
            var group = cells.Where(c => c.Params.N == long.Parse(G("n"), System.Globalization.CultureInfo.InvariantCulture)
                && c.Params.Map == G("map") && c.Params.Beta == D("beta")).Select(c => c.Metrics).ToArray();
            Assert.Equal(2, group.Length);
            var lev = group.Select(m => m.LevenshteinCoefficient!.Value).Order().ToArray();
            Assert.Equal((lev[0] + lev[1]) / 2, D("median"), 12);
            Assert.Equal(lev[0] + 0.25 * (lev[1] - lev[0]), D("q1"), 12);
            Assert.Equal(lev[0] + 0.75 * (lev[1] - lev[0]), D("q3"), 12);
            Assert.Equal(group.Average(m => m.UniqueRatio!.Value), D("unique_ratio"), 12);
        }

        using var doc = JsonDocument.Parse(ResultsExport.Json(store.GetExperiment(id)!, cells));
        var root = doc.RootElement;
        Assert.Equal("sequential-recall", root.GetProperty("kind").GetString());
        Assert.Equal(1e8, root.GetProperty("spec").GetProperty("recall").GetProperty("w").GetDouble());
        var first = root.GetProperty("cells")[0].GetProperty("metrics");
        Assert.Equal(cells[0].Metrics.RecallOrder, first.GetProperty("recallOrder").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(cells[0].Metrics.LevenshteinCoefficient, first.GetProperty("levenshteinCoefficient").GetDouble());
        Assert.True(root.GetProperty("summary")[0].TryGetProperty("uniqueRatio", out _));
    }

    [Fact]
    public void CapacityCsv_LeavesTheRecallColumnsEmpty()
    {
        var lines = ResultsExport.CellsCsv([ResultsStoreTests.Cell("e", 0, 20, "sparsemax", 0.5)]).TrimEnd('\n').Split('\n');
        Assert.EndsWith(",,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("unique_ratio,levenshtein", lines[0], StringComparison.Ordinal);
    }
}
