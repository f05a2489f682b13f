using static Hfy.Coordinator.Tests.Cli.CliHarness;

namespace Hfy.Coordinator.Tests.Cli;

/// <summary>
/// Every converted command: a malformed value and a value out of range fail when the command line is parsed, with
/// exit code 2, nothing on stdout and one stderr line <c>hfy: field: …</c> (no help text, no stack trace).
/// </summary>
public class OptionErrorTests
{
    private const string Bank = "gen:gaussian:4:8:1";

    public static TheoryData<string[], string> BadValues => new()
    {
        // retrieve
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "x1", "--steps", "1"], "beta: 'x1' is not a number" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "-1", "--steps", "1"], "beta: must be > 0 and finite (got -1)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "Infinity", "--steps", "1"], "beta: must be > 0 and finite (got +∞)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1", "--tol", "-0.5"], "tol: must be ≥ 0 and finite (got -0.5)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1", "--noise-seed", "-3"], "noise-seed: '-3' is out of range (an integer in 0..18446744073709551615)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1", "--cluster", "0"], "cluster: must be ≥ 1 (got 0)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "normmax", "--gamma", "0.5", "--beta", "1", "--steps", "1"], "gamma: must be > 1 (got 0.5)" },
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--steps", "1"], "beta: required (inverse temperature β > 0)" },
        // recall
        { ["recall", "free", "--memories", Bank, "--beta", "1", "--steps", "one"], "steps: 'one' is not an integer" },
        { ["recall", "free", "--memories", Bank, "--beta", "1", "--steps", "1", "--count", "0"], "count: must be ≥ 1 (got 0)" },
        { ["recall", "free", "--memories", Bank, "--beta", "1", "--steps", "1", "--method", "entmax", "--alpha", "0.5"], "alpha: must be ≥ 1 (got 0.5)" },
        { ["recall", "sequential", "--memories", Bank, "--beta", "1", "--steps", "1", "--lambda", "1e"], "lambda: '1e' is not a number" },
        { ["recall", "sequential", "--memories", Bank, "--beta", "1", "--steps", "1", "--rho", "0"], "rho: must be in (0, 1] (got 0)" },
        { ["recall", "sequential", "--memories", Bank, "--beta", "1", "--steps", "1", "--method", "csparsemax"], "method: sequential recall uses entmax updates (got 'csparsemax')" },
        // results
        { ["results", "--format", "xml"], "format: unknown format 'xml'; expected table, csv or json" },
        { ["results", "--coordinator", "ftp://host:1"], "coordinator: 'ftp://host:1' is not an http(s) URL" },
        // status
        { ["status", "--coordinator", "ftp://host:1"], "coordinator: 'ftp://host:1' is not an http(s) URL" },
        // demo
        { ["demo", "--nodes", "three"], "nodes: 'three' is not an integer" },
        { ["demo", "--nodes", "0"], "nodes: must be ≥ 1 (got 0)" },
        { ["demo", "--http-port", "70000"], "http-port: must be in 0..65535 (got 70000)" },
        { ["chaos", "--nodes", "1"], "nodes: must be in 2..16 (got 1)" },
        { ["chaos", "--spec", "/nonexistent/spec.json"], "spec: " },
        { ["demo", "--spec", "/nonexistent/spec.json"], "spec: " },
        // coordinator and node: flags, variables and the JSON file meet one rule (HostSettings)
        { ["coordinator", "--port", "4o53"], "port (--port / HFY_PORT): must be an integer in 0..65535 (got '4o53')" },
        { ["coordinator", "--port", "70000"], "port (--port / HFY_PORT): must be an integer in 0..65535 (got '70000')" },
        { ["node", "--seeds", "127.0.0.1:4053", "--port", "-1"], "port (--port / HFY_PORT): must be an integer in 0..65535 (got '-1')" },
        { ["node", "--seeds", "127.0.0.1:4053", "--config-file", "/nonexistent/hfy.json"], "config-file (--config-file / HFY_CONFIG_FILE): file '/nonexistent/hfy.json' not found" },
        // bench
        { ["bench", "kernels", "--rows", "4e6"], "rows: '4e6' is not an integer" },
        { ["bench", "kernels", "--rows", "4"], "rows: must be ≥ 8 (got 4)" },
        { ["bench", "kernels", "--dim", "0"], "dim: must be ≥ 1 (got 0)" },
        { ["bench", "kernels", "--dim", "3000000000"], "dim: '3000000000' is out of range (an integer in -2147483648..2147483647)" },
        { ["bench", "structured", "--sigma", "0"], "sigma: must be > 0 and finite (got 0)" },
        { ["bench", "structured", "--corr", "1"], "corr: must be in [0, 1) (got 1)" },
        { ["bench", "structured", "--w", "w"], "w: 'w' is not a number" },
        { ["bench", "cluster", "--nodes", "0"], "nodes: must be ≥ 1 (got 0)" },
        { ["bench", "cluster", "--steps", "-1"], "steps: must be ≥ 0 (got -1)" },
        { ["bench", "cluster", "--batch", "1.5"], "batch: '1.5' is not an integer" },
        // System.CommandLine's own errors get the same one-line form
        { ["retrieve", "--memories", Bank, "--queries", "rows:0", "--map", "softmax", "--beta", "1", "--steps", "1", "--bogus"], "retrieve: " },
        { ["bench"], "bench: " },
        { ["retreive", "--beta", "1"], "unknown command 'retreive' (hfy --help lists them)" },
        { ["bench", "kernels", "--rows", "10", "--rows", "20"], "rows: " },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValue_IsOneStderrLineNamingTheField_ExitCode2(string[] args, string expected)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("hfy: " + expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_InExponentAndDecimalForm_AreRead()
    {
        var (code, output, error) = Run("retrieve", "--memories", "gen:sphere:50:8:3", "--queries", "rows:7", "--map", "entmax", "--alpha", "1.5",
            "--beta", "2.5e1", "--steps", "2", "--tol", "0.0", "--retrieved-tol", "1e-3");
        Assert.True(code == 0, error);
        var json = Json(output);
        Assert.Equal(25.0, json.GetProperty("beta").GetDouble());
        Assert.Equal("entmax-1.5", json.GetProperty("map").GetString());
    }

    [Fact]
    public void NoArguments_PrintsTheHelp()
    {
        var (code, output, _) = Run();
        Assert.Equal(0, code);
        Assert.Contains("retrieve", output, StringComparison.Ordinal);
        Assert.Contains("coordinator", output, StringComparison.Ordinal);
    }
}
