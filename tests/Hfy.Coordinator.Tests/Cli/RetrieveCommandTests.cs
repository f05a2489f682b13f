using Hfy.Kernels.Storage;
using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class RetrieveCommandTests
{
    private const string GoldenX = "{\"rows\": [[1.0, 0.0, 0.5], [0.8, 0.6, 0.0], [-0.5, 1.0, 0.2], [0.0, -1.0, 1.0], [0.3, 0.3, 0.9]]}";

    [Fact]
    public void Retrieve_OnGoldenBank_ReproducesTheSparsemaxTrace()
    {
        using var dir = new CliTempDir();
        var memories = dir.Write("x.json", GoldenX);
        var queries = dir.Write("q.json", "{\"rows\": [[0.9, 0.2, 0.4]]}");
        var (code, output, error) = Run("retrieve", "--memories", memories, "--queries", queries, "--map", "sparsemax", "--beta", "2", "--steps", "3");
        Assert.True(code == 0, error);
        var json = Json(output);
        Assert.Equal("sparsemax", json.GetProperty("map").GetString());
        var result = json.GetProperty("results")[0];
        Assert.Equal(new[] { 0.96322, 0.11034, 0.40805 }, Doubles(result.GetProperty("q")).Select(v => Math.Round(v, 6)));
        Assert.Equal(new[] { 0.0, 1.0 }, Doubles(result.GetProperty("p").GetProperty("ids")));
        Assert.Equal(0.830465, Doubles(result.GetProperty("p").GetProperty("weights"))[0], 6);
        Assert.Equal(2, result.GetProperty("support").GetInt32());
        Assert.Equal(3, result.GetProperty("steps").GetInt32());
        Assert.Equal(4, result.GetProperty("energy").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("retrieved").ValueKind);
    }

    [Fact]
    public void Retrieve_OnGeneratedBank_FromNoisyRows_RetrievesThem()
    {
        var (code, output, error) = Run("retrieve", "--memories", "gen:sphere:2000:64:7", "--queries", "rows:3,1999", "--noise", "0.02",
            "--map", "entmax", "--alpha", "1.5", "--beta", "20", "--steps", "5", "--post", "l2");
        Assert.True(code == 0, error);
        var results = Json(output).GetProperty("results");
        Assert.Equal(3, results[0].GetProperty("retrieved").GetInt32());
        Assert.Equal(1999, results[1].GetProperty("retrieved").GetInt32());
        Assert.Equal("l2", Json(output).GetProperty("post").GetString());
    }

    [Fact]
    public void Retrieve_KSubsets_SaysMarginalsAreUnscaled()
    {
        using var dir = new CliTempDir();
        var memories = dir.Write("x.json", GoldenX);
        var queries = dir.Write("q.json", "[[0.9, 0.2, 0.4]]");
        var (code, output, error) = Run("retrieve", "--memories", memories, "--queries", queries, "--map", "ksubsets", "--k", "2", "--beta", "2", "--steps", "1");
        Assert.True(code == 0, error);
        var json = Json(output);
        Assert.True(json.GetProperty("unscaledMarginals").GetBoolean());
        Assert.Equal(new[] { 1.625, 0.495, 0.815 }, Doubles(json.GetProperty("results")[0].GetProperty("q")).Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Retrieve_ReadsNpyAndCsv()
    {
        using var dir = new CliTempDir();
        var memories = dir.File("x.npy");
        NpyWriter.Write(memories, new float[] { 1, 0, 0, 1 }, 2, 2);
        var queries = dir.Write("q.csv", "0.9,0.1\n0.2,0.7\n");
        var (code, output, error) = Run("retrieve", "--memories", memories, "--queries", queries, "--map", "sparsemax", "--beta", "4", "--steps", "2");
        Assert.True(code == 0, error);
        var results = Json(output).GetProperty("results");
        Assert.Equal(0, results[0].GetProperty("retrieved").GetInt32());
        Assert.Equal(1, results[1].GetProperty("retrieved").GetInt32());
    }

    [Theory]
    [InlineData(new[] { "--beta", "0" }, "beta: must be > 0")]
    [InlineData(new[] { "--beta", "-1" }, "beta: must be > 0")]
    [InlineData(new[] { "--beta", "NaN" }, "beta: must be > 0")]
    [InlineData(new[] { "--beta", "1", "--steps", "-2" }, "steps: must be ≥ 0")]
    [InlineData(new[] { "--beta", "abc" }, "beta: 'abc' is not a number")]
    [InlineData(new[] { "--beta", "1", "--steps", "2.5" }, "steps: '2.5' is not an integer")]
    [InlineData(new[] { "--beta", "1", "--map", "entmax", "--alpha", "NaN" }, "alpha: must be ≥ 1 (got NaN)")]
    [InlineData(new[] { "--beta", "1", "--post", "cosine" }, "post: unknown post-transform 'cosine'")]
    [InlineData(new[] { "--beta", "1", "--map", "ksubsets", "--k", "9" }, "k: must be a real number in (0, N], N = 5 (got 9)")]
    [InlineData(new[] { "--beta", "1", "--map", "nope" }, "map: unknown map 'nope'")]
    public void Retrieve_BadOptions_AreOneLineWithExitCode2(string[] extra, string expected)
    {
        using var dir = new CliTempDir();
        var memories = dir.Write("x.json", GoldenX);
        var queries = dir.Write("q.json", "{\"rows\": [[0.9, 0.2, 0.4]]}");
        string[] args = ["retrieve", "--memories", memories, "--queries", queries];
        if (!extra.Contains("--steps")) args = [.. args, "--steps", "1"];
        if (!extra.Contains("--map")) args = [.. args, "--map", "softmax"];
        var (code, _, error) = Run([.. args, .. extra]);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("{\"rows\": [[0.9, 0.2]]}", "queries: dimension 2 does not match the memories' dimension 3")]
    [InlineData("{\"rows\": [[0.9, \"NaN\", 0.4]]}", "queries: row 0, column 1 is NaN")]
    [InlineData("{\"rows\": [[0.9, 0.2, 0.4], [1]]}", "queries: row 1 has 1 values, expected 3")]
    public void Retrieve_BadQueries_AreOneLineWithExitCode2(string queriesJson, string expected)
    {
        using var dir = new CliTempDir();
        var memories = dir.Write("x.json", GoldenX);
        var queries = dir.Write("q.json", queriesJson);
        var (code, _, error) = Run("retrieve", "--memories", memories, "--queries", queries, "--map", "softmax", "--beta", "1", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("gen:cube:10:3:1", "memories: unknown generator 'cube'")]
    [InlineData("gen:sphere:0:3:1", "memories: N must be an integer ≥ 1")]
    [InlineData("/nonexistent/x.npy", "memories: file not found: /nonexistent/x.npy")]
    public void Retrieve_BadMemories_AreOneLineWithExitCode2(string memories, string expected)
    {
        var (code, _, error) = Run("retrieve", "--memories", memories, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Retrieve_MemoriesWithInfinity_AreRefused()
    {
        using var dir = new CliTempDir();
        var memories = dir.Write("x.json", "{\"rows\": [[1, 0], [\"Infinity\", 1]]}");
        var (code, _, error) = Run("retrieve", "--memories", memories, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("memories: row 1, column 0 is +∞", error);
    }
}
