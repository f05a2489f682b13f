using System.Text.Json;
using Hfy.Cli.Commands;
using Hfy.Kernels.Storage;
using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class MapCommandTests
{
    private static double[][] RunMap(CliTempDir dir, string scoresJson, params string[] args)
    {
        var input = dir.Write("s.json", scoresJson);
        var (code, output, error) = Run([.. args, "--input", input]);
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        return Json(output).GetProperty("p").EnumerateArray().Select(Doubles).ToArray();
    }

    [Theory]
    [InlineData(new[] { "sparsemax" }, new[] { 0, 0.25, 0.75 })]
    [InlineData(new[] { "entmax" }, new[] { 0, 0.326007, 0.673993 })]
    [InlineData(new[] { "entmax", "--alpha", "3" }, new[] { 0, 0, 1.0 })]
    [InlineData(new[] { "normmax", "--gamma", "5" }, new[] { 0, 0.440273, 0.559727 })]
    [InlineData(new[] { "normmax" }, new[] { 0, 0.311018, 0.688982 })]
    [InlineData(new[] { "softmax" }, new[] { 0.048611, 0.359188, 0.592201 })]
    public void Map_OfReferenceScores_GivesHfyMathValues(string[] args, double[] expected)
    {
        using var dir = new CliTempDir();
        var p = RunMap(dir, "{\"scores\": [[-2, 0, 0.5]]}", ["map", .. args]);
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], p[0][i], 6);
    }

    [Fact]
    public void Map_KSubsets_IsUnscaledByDefault_AndNormalizedOnRequest()
    {
        using var dir = new CliTempDir();
        var p = RunMap(dir, "{\"scores\": [[0, 0.25, 0.5, 0.75, 1]]}", "map", "ksubsets", "--k", "2");
        Assert.Equal(new[] { 0, 0.125, 0.375, 0.625, 0.875 }, p[0].Select(v => Math.Round(v, 9)));
        var (_, output, _) = Run("map", "ksubsets", "--k", "2", "--normalize", "--input", dir.File("s.json"));
        var json = Json(output);
        Assert.Equal(1.0, json.GetProperty("outputMass").GetDouble());
        Assert.Equal(0.4375, Doubles(json.GetProperty("p")[0])[4], 9);
    }

    [Fact]
    public void Map_OfSeveralRows_WithMaskedScores_GivesZeroWeightToMasked()
    {
        using var dir = new CliTempDir();
        var input = dir.Write("s.json", "{\"scores\": [[1, \"-Infinity\", 0.2], [-2, 0, 0.5]]}");
        var (code, output, _) = Run("map", "sparsemax", "--input", input);
        Assert.Equal(0, code);
        var json = Json(output);
        var p = json.GetProperty("p").EnumerateArray().Select(Doubles).ToArray();
        Assert.Equal(new[] { 0.9, 0, 0.1 }, p[0].Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 0, 0.25, 0.75 }, p[1].Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 2, 2 }, json.GetProperty("support").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(-0.25, json.GetProperty("tau")[1].GetDouble(), 12);
    }

    [Fact]
    public void Map_ReadsFloat64Npy()
    {
        using var dir = new CliTempDir();
        var path = dir.File("s.npy");
        NpyWriter.Write(path, new[] { 1.0716, -1.1221, -0.3288, 0.3368, 0.0425 }, 1, 5);
        var (code, output, error) = Run("map", "sparsemax", "--input", path);
        Assert.True(code == 0, error);
        var p = Doubles(Json(output).GetProperty("p")[0]);
        Assert.Equal(new[] { 0.8674, 0, 0, 0.1326, 0 }, p.Select(v => Math.Round(v, 10)));
    }

    [Fact]
    public void Map_SeqKSubsets_GivesTheDefaultFormulationReference()
    {
        using var dir = new CliTempDir();
        var p = RunMap(dir, "{\"scores\": [[1.0716, -1.1221, -0.3288, 0.3368, 0.0425]]}", "map", "seq-ksubsets", "--k", "2", "--w", "1");
        double[] expected = [0.4765, 0.27055, 0.0761, 0.72945, 0.4474];
        for (var i = 0; i < 5; i++) Assert.Equal(expected[i], p[0][i], 6);
    }

    [Fact]
    public void Map_CSparsemax_RespectsUpperBounds()
    {
        using var dir = new CliTempDir();
        var upper = dir.Write("u.json", "{\"upper\": [[0.5, 1, 1]]}");
        var p = RunMap(dir, "{\"scores\": [[1, 0.9, 0]]}", "map", "csparsemax", "--upper", upper);
        Assert.Equal(new[] { 0.5, 0.5, 0 }, p[0].Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void Map_WritesToOutputFile()
    {
        using var dir = new CliTempDir();
        var input = dir.Write("s.json", "{\"scores\": [[0, 1]]}");
        var target = dir.File("out.json");
        var (code, output, _) = Run("map", "softmax", "--input", input, "--output", target);
        Assert.Equal(0, code);
        Assert.Equal("", output);
        var p = Doubles(Json(File.ReadAllText(target)).GetProperty("p")[0]);
        Assert.Equal(1 / (1 + Math.E), p[0], 15);
    }

    [Theory]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "bogus" }, "name: unknown map 'bogus'")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "entmax", "--alpha", "0.5" }, "alpha: must be ≥ 1")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "normmax", "--gamma", "1" }, "gamma: must be > 1")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "ksubsets", "--k", "0" }, "k: must be a real number in (0, N], N = 2 (got 0)")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "ksubsets", "--k", "2.5" }, "k: must be a real number in (0, N], N = 2 (got 2.5)")]
    [InlineData("{\"scores\": [[0, 1, 2]]}", new[] { "map", "seq-ksubsets", "--k", "1.5" }, "k: must be a whole number in 1..N = 1..3 for seq-ksubsets (got 1.5)")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "softmax", "--format", "npy" }, "output: an .npy result needs a file path ending in .npy (got stdout)")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "softmax", "--format", "csv" }, "format: must be json or npy (got 'csv')")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "softmax", "--threads", "0" }, "threads: must be ≥ 1 (got 0)")]
    [InlineData("{\"scores\": []}", new[] { "map", "softmax" }, "input: no rows; at least one row of scores is required")]
    [InlineData("[]", new[] { "map", "softmax" }, "input: no rows; at least one row of scores is required")]
    [InlineData("{\"scores\": [0, 1, 2]}", new[] { "map", "softmax" }, "input: a 1-D array is not accepted; scores are a 2-D array of rows (one problem: [[...]])")]
    [InlineData("{\"scores\": [[]]}", new[] { "map", "softmax" }, "input: row 0 is empty")]
    [InlineData("{\"scores\": [[0, 1], [0, \"NaN\"]]}", new[] { "map", "softmax" }, "input: scores row 1, column 1 is NaN")]
    [InlineData("{\"scores\": [[0, \"NaN\"]]}", new[] { "map", "softmax" }, "input: scores row 0, column 1 is NaN")]
    [InlineData("{\"scores\": [[0, \"Infinity\"]]}", new[] { "map", "softmax" }, "is +∞; only −∞")]
    [InlineData("{\"scores\": [[0, 1], [2]]}", new[] { "map", "softmax" }, "input: row 1 has 1 values, expected 2")]
    [InlineData("{\"rows\": [[0, 1]]}", new[] { "map", "softmax" }, "input: the JSON object has no \"scores\"")]
    [InlineData("{\"scores\": [[0, 1]", new[] { "map", "softmax" }, "invalid JSON")]
    public void Map_BadInput_IsOneLineNamingTheFieldWithExitCode2(string json, string[] args, string expected)
    {
        using var dir = new CliTempDir();
        var input = dir.Write("s.json", json);
        var (code, output, error) = Run([.. args, "--input", input]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Map_MissingInputFile_IsExitCode2()
    {
        var (code, _, error) = Run("map", "softmax", "--input", "/nonexistent/scores.json");
        Assert.Equal(2, code);
        Assert.Equal("hfy: input: file not found: /nonexistent/scores.json", error.Trim());
    }

    [Fact]
    public void Map_KSubsets_TakesARealBudget()
    {
        // θ = (0, 0.25, 0.5, 0.75, 1), k = 1.5: τ solves Σ clip(θ − τ, 0, 1) = 1.5 → τ = 0.25, μ = (0, 0, 0.25, 0.5, 0.75).
        using var dir = new CliTempDir();
        var p = RunMap(dir, "{\"scores\": [[0, 0.25, 0.5, 0.75, 1]]}", "map", "ksubsets", "--k", "1.5");
        Assert.Equal(new[] { 0, 0, 0.25, 0.5, 0.75 }, p[0].Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void Map_EntmaxJustAboveOne_IsSoftmax()
    {
        using var dir = new CliTempDir();
        const string Scores = "{\"scores\": [[-2, 0, 0.5, 3.25], [10, -10, 0, 1e-3]]}";
        var softmax = RunMap(dir, Scores, "map", "softmax");
        var near = RunMap(dir, Scores, "map", "entmax", "--alpha", "1.000000000001");
        for (var r = 0; r < 2; r++)
        {
            for (var c = 0; c < 4; c++) Assert.Equal(softmax[r][c], near[r][c], 1e-9);
        }
    }

    [Theory]
    [InlineData(new long[] { 5 }, "input: a 1-D .npy (shape (5,)) is not accepted; scores are rows × N (one problem: shape (1, 5))")]
    [InlineData(new long[] { 0, 5 }, "input: no rows (.npy shape (0, 5)); at least one row of scores is required")]
    [InlineData(new long[] { 3, 0 }, "input: rows are empty (.npy shape (3, 0)); N ≥ 1 scores per row are required")]
    [InlineData(new long[] { 2, 2, 2 }, "input: the .npy has 3 dimensions; scores are a 2-D array rows × N")]
    public void Map_OfAnNpyOutsideTheContract_IsOneLineNamingTheRule(long[] shape, string expected)
    {
        using var dir = new CliTempDir();
        var path = dir.File("s.npy");
        WriteNpy(path, "<f8", shape, new double[shape.Aggregate(1L, (a, b) => a * b)]);
        var (code, output, error) = Run("map", "softmax", "--input", path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"hfy: {expected}", error.Trim());
    }

    [Fact]
    public void Map_NpyRoundTrip_WritesPTauAndSupportLikeTheJsonOutput()
    {
        using var dir = new CliTempDir();
        var rng = new Random(5);
        const int Rows = 37, Cols = 11;
        var scores = Enumerable.Range(0, Rows * Cols).Select(_ => rng.NextDouble() * 4).ToArray();
        scores[3] = double.NegativeInfinity;
        var input = dir.File("s.npy");
        NpyWriter.Write(input, scores, Rows, Cols);
        foreach (var args in new[] { new[] { "sparsemax" }, ["softmax"], ["entmax", "--alpha", "1.5"], ["ksubsets", "--k", "2.5"] })
        {
            var target = dir.File("p.npy");
            var (code, output, error) = Run(["map", .. args, "--input", input, "--output", target]);
            Assert.True(code == 0, error);
            Assert.Equal("", output);
            var json = Json(Run(["map", .. args, "--input", input]).Out);

            var p = NpyReader.ReadAllDouble(target, out var rows, out var cols);
            Assert.Equal((Rows, Cols), (rows, cols));
            var expected = json.GetProperty("p").EnumerateArray().SelectMany(Doubles).ToArray();
            Assert.Equal(expected, p);
            var tau = NpyReader.ReadAllDouble(dir.File("p.tau.npy"), out _, out var tauCount);
            Assert.Equal(Rows, tauCount);
            Assert.Equal(json.GetProperty("tau").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()), tau);
            var support = ReadInt64(dir.File("p.support.npy"));
            Assert.Equal(json.GetProperty("support").EnumerateArray().Select(v => v.GetInt64()), support);
            Assert.Equal(0.0, p[3]);
        }
    }

    [Fact]
    public void Map_FormatFlag_WritesNpyAndJsonFlagOverridesTheExtension()
    {
        using var dir = new CliTempDir();
        var input = dir.Write("s.json", "{\"scores\": [[0, 1]]}");
        var target = dir.File("out.npy");
        Assert.Equal(0, Run("map", "softmax", "--input", input, "--output", target, "--format", "npy").Code);
        Assert.Equal(1 / (1 + Math.E), NpyReader.ReadAllDouble(target, out _, out _)[0], 15);
        Assert.Equal(0, Run("map", "softmax", "--input", input, "--output", target, "--format", "json").Code);
        Assert.Equal(1 / (1 + Math.E), Doubles(Json(File.ReadAllText(target)).GetProperty("p")[0])[0], 15);
    }

    [Fact]
    public void Run_InSmallBlocksOnManyThreads_EqualsOneBlockOnOneThread()
    {
        using var dir = new CliTempDir();
        var rng = new Random(6);
        const int Rows = 203, Cols = 17;
        var input = dir.File("s.npy");
        NpyWriter.Write(input, Enumerable.Range(0, Rows * Cols).Select(_ => rng.NextDouble() * 3).ToArray(), Rows, Cols);
        var spec = Hfy.Kernels.Maps.MapSpec.Entmax(1.5);
        var solve = MapRows.Solver(Hfy.Kernels.Maps.MapFactory.Create(spec), spec);
        double[] RunWith(int threads, long blockBytes, string name)
        {
            var target = dir.File(name);
            using (var source = ScoreSource.Open(input, "input", "scores"))
            using (var sink = new MapSink.Npy(target, Rows, Cols))
            {
                MapCommand.Run(source, sink, solve, threads, blockBytes);
            }

            return NpyReader.ReadAllDouble(target, out _, out _);
        }

        // 10 rows per block: 21 blocks, the last one partial.
        Assert.Equal(RunWith(1, 1L << 30, "one.npy"), RunWith(4, 10 * Cols * 8, "many.npy"));
    }

    [Fact]
    public void Map_BadRowInALaterBlock_NamesTheFirstBadRowAndLeavesNoOutput()
    {
        using var dir = new CliTempDir();
        const int Rows = 300, Cols = 8;
        var scores = new double[Rows * Cols];
        scores[(250 * Cols) + 2] = double.NaN;
        scores[(270 * Cols) + 1] = double.PositiveInfinity;
        var input = dir.File("s.npy");
        NpyWriter.Write(input, scores, Rows, Cols);
        var spec = Hfy.Kernels.Maps.MapSpec.Sparsemax;
        var target = dir.File("p.npy");
        var ex = Assert.Throws<CliUsageException>(() =>
        {
            using var source = ScoreSource.Open(input, "input", "scores");
            using var sink = new MapSink.Npy(target, Rows, Cols);
            MapCommand.Run(source, sink, MapRows.Solver(Hfy.Kernels.Maps.MapFactory.Create(spec), spec), 3, 64 * Cols * 8);
        });
        Assert.Equal("input: scores row 250, column 2 is NaN; NaN is not allowed", ex.Message);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(dir.File("p.tau.npy")));
    }

    [Fact]
    public void CheckRow_FindsEveryBadScoreAndCountsTheUnmasked_AtEveryPosition()
    {
        var spec = Hfy.Kernels.Maps.MapSpec.Softmax;
        for (var n = 1; n <= 19; n++)
        {
            for (var at = 0; at < n; at++)
            {
                var row = Enumerable.Range(0, n).Select(i => i * 0.5).ToArray();
                row[at] = double.NegativeInfinity;
                Assert.Equal(n - 1, n == 1 ? 0 : MapRows.CheckRow(row, 7, spec));
                foreach (var bad in new[] { double.NaN, double.PositiveInfinity })
                {
                    row[at] = bad;
                    var ex = Assert.Throws<CliUsageException>(() => MapRows.CheckRow(row, 7, spec));
                    Assert.StartsWith($"input: scores row 7, column {at} is ", ex.Message, StringComparison.Ordinal);
                }
            }

            Assert.Equal(n - 1, MapRows.CountPositive(Enumerable.Range(0, n).Select(i => (double)i).ToArray()));
        }
    }

    private static long[] ReadInt64(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        var header = System.Text.Encoding.Latin1.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<i8'", header);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes.AsSpan(10 + headerLength)).ToArray();
    }

    private static void WriteNpy(string path, string descr, long[] shape, double[] data)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}";
        var pad = (64 - ((10 + dict.Length + 1) % 64)) % 64;
        var header = dict + new string(' ', pad) + "\n";
        using var s = File.Create(path);
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        s.Write(BitConverter.GetBytes((ushort)header.Length));
        s.Write(System.Text.Encoding.Latin1.GetBytes(header));
        s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
