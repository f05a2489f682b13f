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
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "ksubsets", "--k", "0" }, "k: must be in 1..N")]
    [InlineData("{\"scores\": [[0, 1]]}", new[] { "map", "ksubsets", "--k", "3" }, "k: must be in 1..N")]
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
}
