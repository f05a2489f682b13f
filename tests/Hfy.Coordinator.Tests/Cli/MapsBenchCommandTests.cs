using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class MapsBenchCommandTests
{
    [Fact]
    public void BenchMaps_OnASmallMatrix_PrintsEveryMapBesideThePeerAndTheFileCosts()
    {
        var (code, output, error) = Run("bench", "maps", "--rows", "40", "--cols", "30", "--repeats", "1", "--threads", "2", "--in-process-only");
        Assert.True(code == 0, error);
        Assert.Contains("40 rows × 30 float64", output);
        Assert.Contains("scaled linearly", output);
        foreach (var map in new[] { "softmax", "sparsemax", "entmax-1.5", "entmax-3", "normmax-2", "ksubsets-5" })
        {
            Assert.Equal(2, output.Split('\n').Count(line => line.StartsWith(map + " ", StringComparison.Ordinal)));
        }

        Assert.Contains("read + write the same files, no map", output);
        Assert.DoesNotContain("hfy --version", output);
    }

    [Theory]
    [InlineData("--cols", "4", "cols: must be ≥ 5")]
    [InlineData("--repeats", "0", "repeats: must be ≥ 1")]
    [InlineData("--threads", "0", "threads: must be ≥ 1")]
    public void BenchMaps_BadOptions_AreExitCode2(string option, string value, string expected)
    {
        var (code, _, error) = Run("bench", "maps", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }
}
