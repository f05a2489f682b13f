using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public void BenchKernels_OnASmallBank_PrintsEveryFigure()
    {
        var (code, output, error) = Run("bench", "kernels", "--rows", "3000", "--dim", "16", "--batch", "8", "--repeats", "1");
        Assert.True(code == 0, error);
        Assert.Contains("read bandwidth", output);
        Assert.Contains("single-query scoring", output);
        foreach (var map in new[] { "entmax-1.5", "sparsemax", "normmax-2", "ksubsets-4" }) Assert.Contains(map, output);
        Assert.Contains("GFLOP/s", output);
    }

    [Fact]
    public void BenchKernels_WithZeroRepeats_IsExitCode2()
    {
        var (code, _, error) = Run("bench", "kernels", "--repeats", "0");
        Assert.Equal(2, code);
        Assert.Contains("repeats: must be ≥ 1", error);
    }
}
