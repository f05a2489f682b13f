using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class RecallCommandTests
{
    [Fact]
    public void RecallFree_WithConstrainedSparsemax_RecallsEveryMemoryOnce()
    {
        var (code, output, error) = Run("recall", "free", "--memories", "gen:gaussian:32:256:5", "--beta", "0.1", "--steps", "5");
        Assert.True(code == 0, error);
        var json = Json(output);
        Assert.Equal("free/csparsemax", json.GetProperty("method").GetString());
        var order = json.GetProperty("order").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(Enumerable.Range(0, 32), order.Order());
        Assert.Equal(1.0, json.GetProperty("uniqueRatio").GetDouble());
        Assert.False(json.TryGetProperty("levenshteinCoefficient", out _));
    }

    [Fact]
    public void RecallSequential_RecallsInStoredOrder_AndWritesTheFile()
    {
        using var dir = new CliTempDir();
        var target = dir.File("seq.json");
        var (code, _, error) = Run("recall", "sequential", "--memories", "gen:gaussian:24:256:6", "--beta", "0.1", "--steps", "5", "--output", target);
        Assert.True(code == 0, error);
        var json = Json(File.ReadAllText(target));
        Assert.Equal(Enumerable.Range(0, 24), json.GetProperty("order").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(1.0, json.GetProperty("levenshteinCoefficient").GetDouble());
    }

    [Fact]
    public void RecallFree_FromAJsonFile_WithPenalizedEntmax()
    {
        using var dir = new CliTempDir();
        var path = dir.Write("m.json", "{\"rows\": [[10, 0, 0], [0, 10, 0], [0, 0, 10]]}");
        var (code, output, error) = Run("recall", "free", "--memories", path, "--method", "entmax", "--alpha", "1.5", "--beta", "1", "--steps", "2");
        Assert.True(code == 0, error);
        var json = Json(output);
        Assert.Equal(3, json.GetProperty("order").GetArrayLength());
        Assert.Equal(0, json.GetProperty("order")[0].GetInt32());
        Assert.Equal(1.5, json.GetProperty("alpha").GetDouble());
    }

    [Theory]
    [InlineData("beta:", "recall", "free", "--memories", "gen:gaussian:4:8", "--beta", "-1", "--steps", "1")]
    [InlineData("steps:", "recall", "free", "--memories", "gen:gaussian:4:8", "--beta", "1")]
    [InlineData("method:", "recall", "free", "--memories", "gen:gaussian:4:8", "--beta", "1", "--steps", "1", "--method", "softmax")]
    [InlineData("method:", "recall", "sequential", "--memories", "gen:gaussian:4:8", "--beta", "1", "--steps", "1", "--method", "csparsemax")]
    [InlineData("rho:", "recall", "sequential", "--memories", "gen:gaussian:4:8", "--beta", "1", "--steps", "1", "--rho", "2")]
    [InlineData("memories:", "recall", "free", "--beta", "1", "--steps", "1")]
    [InlineData("memories:", "recall", "free", "--memories", "gen:cube:4:8", "--beta", "1", "--steps", "1")]
    public void Recall_BadInput_IsOneLineNamingTheField_ExitCode2(string field, params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = error.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.Contains(field, line);
    }
}
