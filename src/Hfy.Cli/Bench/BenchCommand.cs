using System.CommandLine;
using Hfy.Cli.Commands;

namespace Hfy.Cli.Bench;

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
        command.Subcommands.Add(LearningBench.CreateCommand());
        return command;
    }

    private static Command Kernels()
    {
        var rows = CommonOptions.BenchRows(4_000_000, min: 8);
        var dim = CommonOptions.BenchDim();
        var batch = CommonOptions.BenchBatch("queries in the batched-scoring run");
        var repeats = CommonOptions.BenchRepeats("timed repeats; the best is reported", 5);
        var command = new Command("kernels", "Single-query scoring vs read bandwidth, threshold search + readout overhead, batched scoring GFLOP/s");
        foreach (var o in new Option[] { rows, dim, batch, repeats }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var (n, d, b, r) = (parse.GetValue(rows), parse.GetValue(dim), parse.GetValue(batch), parse.GetValue(repeats));
            if ((long)n * d > Array.MaxLength || (long)n * b > Array.MaxLength)
                throw new CliUsageException($"rows: {n} × max(dim, batch) must stay within {Array.MaxLength} floats");
            var report = KernelBench.Run(n, d, b, r, output);
            KernelBench.Print(report, output);
            return 0;
        }));
        return command;
    }
}
