using System.CommandLine;
using Hfy.Cli.Bench;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy bench</c>: benchmarks. <c>hfy bench kernels [--rows 4000000] [--dim 64] [--batch 64] [--repeats 5]</c> measures
/// the scoring kernels against this machine's own read bandwidth and FMA peak (<see cref="KernelBench"/>).
/// Further benchmarks are added as subcommands here.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks (kernels: scoring vs memory bandwidth, map step overhead, batched GFLOP/s)");
        command.Subcommands.Add(Kernels());
        command.Subcommands.Add(StructuredBench.CreateCommand());
        command.Subcommands.Add(ClusterBench.CreateCommand());
        command.Subcommands.Add(MapsBench.CreateCommand());
        command.Subcommands.Add(MassiveBench.CreateCommand());
        return command;
    }

    private static Command Kernels()
    {
        var rows = new Option<string?>("--rows") { Description = "bank rows N (default 4,000,000)" };
        var dim = new Option<string?>("--dim") { Description = "dimension D (default 64)" };
        var batch = new Option<string?>("--batch") { Description = "queries in the batched-scoring run (default 64)" };
        var repeats = new Option<string?>("--repeats") { Description = "timed repeats; the best is reported (default 5)" };
        var command = new Command("kernels", "Single-query scoring vs read bandwidth, threshold search + readout overhead, batched scoring GFLOP/s");
        foreach (var o in new Option[] { rows, dim, batch, repeats }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var n = CliValues.Int(parse, rows, "rows") ?? 4_000_000;
            var d = CliValues.Int(parse, dim, "dim") ?? 64;
            var b = CliValues.Int(parse, batch, "batch") ?? 64;
            var r = CliValues.Int(parse, repeats, "repeats") ?? 5;
            if (n < 8) throw new CliUsageException($"rows: must be ≥ 8 (got {n})");
            if (d < 1) throw new CliUsageException($"dim: must be ≥ 1 (got {d})");
            if (b < 1) throw new CliUsageException($"batch: must be ≥ 1 (got {b})");
            if (r < 1) throw new CliUsageException($"repeats: must be ≥ 1 (got {r})");
            if ((long)n * d > Array.MaxLength || (long)n * b > Array.MaxLength)
                throw new CliUsageException($"rows: {n} × max(dim, batch) must stay within {Array.MaxLength} floats");
            var report = KernelBench.Run(n, d, b, r, output);
            KernelBench.Print(report, output);
            return 0;
        }));
        return command;
    }
}
