using System.CommandLine;
using System.Globalization;
using Hfy.Cli.Commands;
using Hfy.Kernels.Maps;
using Hfy.Learning.Experiments;
using Hfy.Learning.Mil;

namespace Hfy.Cli.Bench;

/// <summary>
/// <c>hfy bench learning</c> (issue 16, docs/learning.md): the per-bag cost of a MIL training step (forward, backward,
/// clipping + AdamW, bytes allocated) with the published model size on a data/mil data set, for every pooling map.
/// </summary>
public static class LearningBench
{
    /// <summary><c>hfy bench learning [--dataset tiger] [--data-dir data/mil] [--steps 3000] [--warmup 500]</c>.</summary>
    internal static Command CreateCommand()
    {
        var dataset = new Option<string?>("--dataset") { Description = "elephant, fox or tiger (default tiger)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder of elephant/, fox/, tiger/ (default data/mil, searched upwards)" };
        var steps = CliOption.WithDefault("--steps", "timed training steps (bags) per map (default 3000)", 3000, Rule.AtLeast(1));
        var warmup = CliOption.WithDefault("--warmup", "untimed steps first (default 500)", 500, Rule.AtLeast(0));
        var command = new Command("learning", "MIL training step per bag (forward, backward, AdamW, allocation) for every pooling map, published model size");
        foreach (var o in new Option[] { dataset, dataDir, steps, warmup }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var name = parse.GetValue(dataset) ?? "tiger";
            if (name is not ("elephant" or "fox" or "tiger")) throw new CliUsageException($"dataset: must be elephant, fox or tiger (got '{name}')");
            var n = parse.GetValue(steps);
            var w = parse.GetValue(warmup);
            var dir = new MilSpec { DataDir = parse.GetValue(dataDir) ?? "data/mil" }.ResolvedDataDir;
            if (!Directory.Exists(Path.Combine(dir, name))) throw new CliUsageException($"data-dir: {Path.Combine(dir, name)} does not exist (see data/mil/README.md)");
            var data = DenseBagSet.LoadBenchmark(dir, name);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {data.Count} bags, {Enumerable.Range(0, data.Count).Average(data.BagSize):F2} instances per bag; {n} timed steps after {w}; one thread"));
            output.WriteLine("| map | parameters | forward µs | backward µs | clip + AdamW µs | total µs/bag | bags/s | bytes/bag |");
            output.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var map in new[] { MapSpec.Softmax, MapSpec.Entmax(1.5), MapSpec.Sparsemax, MapSpec.Normmax(10), MapSpec.KSubsets(5), MapSpec.SeqKSubsets(5, 1) })
            {
                var r = MilThroughput.Measure(data, new MilConfig(map), n, w);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Map} | {r.Parameters} | {r.ForwardMicroseconds:F0} | {r.BackwardMicroseconds:F0} | {r.StepMicroseconds:F0} | {r.TotalMicroseconds:F0} | {r.BagsPerSecond:F0} | {r.AllocatedBytesPerBag:F0} |"));
            }

            return 0;
        }));
        return command;
    }
}
