using Hfy.Experiments;
using Hfy.Experiments.Plots;
using Hfy.Experiments.Results;
using Hfy.Coordinator.Tests.Experiments;
using Hfy.Coordinator.Tests.Results;

namespace Hfy.Coordinator.Tests.Plots;

public class PlotWriterTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 2000, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        // IHDR: width and height, big-endian, at bytes 16..23.
        Assert.Equal(width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void CapacityPlots_AreWrittenAsPngs()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var id = store.CreateExperiment(ExperimentSpec.Parse(ExperimentRunnerTests.SmallCapacity), 6);
        var i = 0;
        foreach (var n in new[] { 100L, 1000, 10000 })
        {
            store.TryAddCell(ResultsStoreTests.Cell(id, i++, n, "sparsemax", 1.0 - n / 20000.0));
            store.TryAddCell(ResultsStoreTests.Cell(id, i++, n, "softmax", 0));
        }
        var files = PlotWriter.WriteAll(store.GetExperiment(id)!, store.GetCells(id), dir.Path);
        Assert.Equal(["success-vs-n.png", "support.png"], files.Select(f => Path.GetFileName(f)[(id.Length + 1)..]));
        Assert.All(files, f => AssertPng(f, PlotWriter.Width, PlotWriter.Height));
    }

    [Fact]
    public async Task RecallPlots_AreSuccessVsNAndVsBeta()
    {
        using var dir = new TempDir();
        var (store, id) = await RecallCellTests.RunAsync(dir.Path, RecallCellTests.SmallSequentialRecall);
        var files = PlotWriter.WriteAll(store.GetExperiment(id)!, store.GetCells(id), dir.Path);
        Assert.Equal(["success-vs-n.png", "success-vs-beta.png"], files.Select(f => Path.GetFileName(f)[(id.Length + 1)..]));

        // Success vs N: one panel per β; success vs β: one panel (a single post).
        var (rows, columns) = PlotWriter.Grid(store.GetCells(id).Select(c => c.Params.Beta).Distinct().Count());
        Assert.True(columns > 1);
        AssertPng(files[0], columns * PlotWriter.PanelWidth, rows * PlotWriter.PanelHeight);
        AssertPng(files[1], PlotWriter.Width, PlotWriter.Height);
    }

    [Fact]
    public void BasinsImage_IsWritten()
    {
        using var dir = new TempDir();
        var spec = ExperimentSpec.Parse("""
            { "kind": "basins", "bank": { "source": "inline", "patterns": [[-1, -1], [-1, 1], [1, -1]] },
              "grid": { "sizes": [3], "maps": [ { "name": "sparsemax" } ], "betas": [10], "steps": 50 },
              "basins": { "resolution": 20 } }
            """);
        var attractors = Enumerable.Range(0, 400).Select(j => j % 20 < 5 ? -1 : j % 3).ToArray();
        var hist = new long[CellMetrics.HistogramBins];
        var cell = new CellRecord("e", "k", 0, new CellParams(3, "sparsemax", 10, "identity", 0, 0),
            new CellMetrics(400, 0.75, 0.75, 0, 0, hist, 1, 1, 1, 0, 0, 0, 1, attractors), DateTime.UtcNow, DateTime.UtcNow);
        var path = Path.Combine(dir.Path, "basins.png");
        PlotWriter.Basins(cell, spec, path, "basins");
        AssertPng(path, PlotWriter.Height, PlotWriter.Height);
    }

    [Fact]
    public void SuccessVsN_WithSeveralBetas_IsOnePanelPerBeta()
    {
        // The demo's shape: 4 maps × 3 β; one panel per β, 4 series each, 2 panels across.
        using var dir = new TempDir();
        var rows = new List<SummaryRow>();
        var maps = new[] { "softmax", "entmax-1.5", "sparsemax", "normmax-2" };
        foreach (var beta in new[] { 0.5, 4.0, 16.0 })
        {
            for (var m = 0; m < maps.Length; m++)
            {
                foreach (var n in new long[] { 100, 1000, 10_000 })
                {
                    var hist = new long[CellMetrics.HistogramBins];
                    hist[1 + m] = 10;
                    var rate = Math.Clamp(1.2 - (Math.Log10(n) / (3 + m)) - (0.1 / beta), 0, 1);
                    rows.Add(new SummaryRow(n, maps[m], beta, "identity", 0.1, 3, rate, rate - 0.05, rate + 0.05, rate, rate, hist, 3, 0, 0, 0, 1000));
                }
            }
        }

        var path = Path.Combine(dir.Path, "facets.png");
        PlotWriter.SuccessVsN(rows, path, "demo");
        AssertPng(path, 2 * PlotWriter.PanelWidth, 2 * PlotWriter.PanelHeight);
        var histogram = Path.Combine(dir.Path, "support.png");
        PlotWriter.SupportHistogram(rows, histogram, "demo");
        AssertPng(histogram, 2 * PlotWriter.PanelWidth, 2 * PlotWriter.PanelHeight);
        if (Environment.GetEnvironmentVariable("HFY_KEEP_PLOTS") is { Length: > 0 } keep)
        {
            File.Copy(path, Path.Combine(keep, "facets.png"), overwrite: true);
            File.Copy(histogram, Path.Combine(keep, "support.png"), overwrite: true);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 2, 2)]
    [InlineData(4, 2, 2)]
    [InlineData(7, 4, 2)]
    public void Grid_PutsAtMostTwoPanelsAcross(int panels, int rows, int columns) =>
        Assert.Equal((rows, columns), PlotWriter.Grid(panels));
}
