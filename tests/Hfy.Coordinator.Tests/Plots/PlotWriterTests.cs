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
        Assert.All(files, f => AssertPng(f, PlotWriter.Width, PlotWriter.Height));
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
}
