using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class StructuredBenchCommandTests
{
    [Fact]
    public void BenchStructured_OnSmallScores_PrintsEveryMap()
    {
        var (code, output, error) = Run("bench", "structured", "--rows", "20000", "--k", "5", "--w", "0.5", "--repeats", "1");
        Assert.True(code == 0, error);
        foreach (var map in new[] { "seq-ksubsets-5-w0.5", "seq-ksubsets-5-w0.5-compat", "ksubsets-5" }) Assert.Contains(map, output);
        Assert.Contains("iters", output);
    }

    [Fact]
    public void BenchStructured_WithBadK_IsExitCode2()
    {
        var (code, _, error) = Run("bench", "structured", "--rows", "100", "--k", "0");
        Assert.Equal(2, code);
        Assert.Contains("k: must be in 1..100", error);
    }
}
