using Hfy.Cli.Experiments;
using Hfy.Experiments.Results;

namespace Hfy.Coordinator.Tests.Experiments;

public class SummaryTableTests
{
    /// <summary>The demo's shape: 3 sizes × 4 maps × 3 β × 2 posts, 3 repeats each.</summary>
    private static List<SummaryRow> DemoRows()
    {
        var rows = new List<SummaryRow>();
        foreach (var n in new long[] { 1000, 10_000, 100_000 })
        {
            foreach (var map in new[] { "softmax", "entmax-1.5", "sparsemax", "normmax-2" })
            {
                foreach (var beta in new[] { 0.5, 4, 16 })
                {
                    foreach (var post in new[] { "identity", "l2" })
                    {
                        var hist = new long[CellMetrics.HistogramBins];
                        hist[1] = 90;
                        hist[3] = 10;
                        rows.Add(new SummaryRow(n, map, beta, post, 0.1, 3, 0.95, 0.9, 1.0, 0.93, 0.97, hist, 3.5, map == "sparsemax" ? 2 : 0, 10, 1000, 12_345));
                    }
                }
            }
        }

        return rows;
    }

    [Fact]
    public void Table_WhenPiped_NeverWrapsARow()
    {
        var rows = DemoRows();
        var output = new StringWriter();
        ExperimentConsole.PrintSummary(rows, SummaryFormat.Table, output, int.MaxValue);
        var lines = output.ToString().TrimEnd().Split('\n');
        var body = lines.Where(l => l.Contains("identity", StringComparison.Ordinal) || l.Contains(" l2", StringComparison.Ordinal)).ToArray();
        Assert.Equal(rows.Count, body.Length);
        Assert.All(body, l => Assert.Contains("[0.90,1.00]", l, StringComparison.Ordinal));
        Assert.True(lines.Max(l => l.TrimEnd().Length) > 80, "the demo table is wider than 80 columns, so this test covers the wrap");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(64)]
    public void Table_FitsTheTerminalWidth_DroppingOptionalColumns(int width)
    {
        var rows = DemoRows();
        var output = new StringWriter();
        ExperimentConsole.PrintSummary(rows, SummaryFormat.Table, output, width);
        var text = output.ToString();
        var lines = text.TrimEnd().Split('\n');
        var table = lines.TakeWhile(l => !l.StartsWith("success:", StringComparison.Ordinal)).ToArray();
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= width, $"{l.TrimEnd().Length} > {width}: {l}"));
        Assert.Equal(rows.Count, table.Count(l => l.Contains("identity", StringComparison.Ordinal) || l.Contains(" l2", StringComparison.Ordinal)));
        Assert.Contains("not shown for the terminal width", string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Contains("success", table[1], StringComparison.Ordinal);
        Assert.Contains("E↑", table[1], StringComparison.Ordinal); // energy increases are never dropped while any is non-zero
    }

    [Fact]
    public void Tsv_HasEveryColumnAndTheIqrApart()
    {
        var rows = DemoRows();
        var output = new StringWriter();
        ExperimentConsole.PrintSummary(rows, SummaryFormat.Tsv, output);
        var lines = output.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r').Split('\t')).ToArray();
        Assert.Equal(["n", "map", "beta", "post", "success_median", "success_q1", "success_q3", "exact_rate", "cosine_rate", "one_pattern_rate", "mean_support", "mean_steps", "energy_increases", "seconds"], lines[0]);
        Assert.Equal(rows.Count + 1, lines.Length);
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length));
        Assert.Equal(["100000", "normmax-2", "16", "l2", "0.95", "0.9", "1", "0.93", "0.97", "0.9", "1.2", "3.5", "0", "12.345"], lines[^1]);
    }

    [Fact]
    public void Csv_QuotesFieldsWithCommas()
    {
        var hist = new long[CellMetrics.HistogramBins];
        hist[1] = 1;
        var rows = new[] { new SummaryRow(10, "map,with,commas", 1, "identity", 0, 1, 1, 1, 1, 1, 1, hist, 1, 0, 0, 0, 0) };
        var output = new StringWriter();
        ExperimentConsole.PrintSummary(rows, SummaryFormat.Csv, output);
        Assert.StartsWith("10,\"map,with,commas\",1,1,1,1,", output.ToString().Split('\n')[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("table", SummaryFormat.Table)]
    [InlineData("TSV", SummaryFormat.Tsv)]
    [InlineData("csv", SummaryFormat.Csv)]
    [InlineData(null, SummaryFormat.Table)]
    [InlineData("xml", null)]
    public void ParseFormat_KnowsTheThreeFormats(string? text, SummaryFormat? expected) =>
        Assert.Equal(expected, ExperimentConsole.ParseFormat(text));
}
