using System.CommandLine;
using Hfy.Kernels.Recall;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy recall free|sequential --memories FILE|gen:KIND:N:D[:SEED] [--method csparsemax|entmax] [--alpha A] --beta B
/// --steps T [--lambda L] [--rho R] [--w W] [--count C] [--start S] [--output FILE|-]</c>: the recall protocols of
/// docs/math.md §5 in this process. Prints JSON with the recalled order, the unique memory ratio and, for sequential
/// recall, the Levenshtein coefficient against the stored order.
/// </summary>
internal static class RecallCommand
{
    public static Command Create()
    {
        var command = new Command("recall", "Free and sequential recall of stored memories (docs/math.md §5); JSON out");
        command.Subcommands.Add(Protocol("free", "Recall every memory once, in any order: constrained sparsemax (default) or penalized entmax"));
        command.Subcommands.Add(Protocol("sequential", "Recall memories stored in order, in order: seq-2-subsets transitions and entmax updates"));
        return command;
    }

    private static Command Protocol(string name, string description)
    {
        bool sequential = name == "sequential";
        var memories = CommonOptions.Memories("patterns in storage order");
        var method = sequential
            ? CliOption.Choice("--method", "entmax (the only method of sequential recall)", "method", RecallMethod.Entmax,
                [("entmax", RecallMethod.Entmax), ("csparsemax", RecallMethod.ConstrainedSparsemax)],
                m => m == RecallMethod.Entmax ? null : "sequential recall uses entmax updates (got 'csparsemax')")
            : CliOption.Choice("--method", "csparsemax (default) or entmax (penalized)", "method", RecallMethod.ConstrainedSparsemax,
                [("csparsemax", RecallMethod.ConstrainedSparsemax), ("entmax", RecallMethod.Entmax)]);
        var alpha = CommonOptions.Alpha("α of the entmax updates (default 2: sparsemax)");
        var beta = CommonOptions.Beta();
        var steps = CommonOptions.Steps("Hopfield updates T per recalled memory (≥ 0)");
        var lambda = CliOption.WithDefault("--lambda", "penalty weight λ ≥ 0 (default 1e8)", 1e8, Rule.NonNegative);
        var rho = CliOption.WithDefault("--rho", "penalty decay ρ in (0, 1] (default 0.001)", 0.001,
            r => r > 0 && r <= 1 ? null : $"must be in (0, 1] (got {JsonIo.Show(r)})");
        var w = CommonOptions.W("pair bonus of the seq-2-subsets transition (default 1e8)");
        var count = CliOption.Optional("--count", "memories to recall (default: all)", Rule.AtLeast(1));
        var start = CliOption.WithDefault("--start", "row of the initial cue q = x_start (default 0)", 0, Rule.AtLeast(0));
        var output = CommonOptions.Output();
        var command = new Command(name, description);
        foreach (var o in new Option[] { memories, method, alpha, beta, steps, lambda, rho, w, count, start, output }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var bank = MemoriesArgument.Read(parse.GetValue(memories));
            var m = parse.GetValue(method);
            var options = new RecallOptions(
                Beta: parse.GetValue(beta),
                Steps: parse.GetValue(steps),
                Alpha: parse.GetValue(alpha) ?? 2.0,
                Lambda: parse.GetValue(lambda),
                Rho: parse.GetValue(rho),
                W: parse.GetValue(w) ?? 1e8,
                Count: parse.GetValue(count),
                Start: parse.GetValue(start));
            if (options.Validate(bank.Rows) is { } problem) throw new CliUsageException(problem);
            if (sequential && bank.Rows < 2) throw new CliUsageException("memories: sequential recall needs at least two patterns");

            var result = sequential ? SequentialRecall.Run(bank, options)
                : m == RecallMethod.ConstrainedSparsemax ? FreeRecall.ConstrainedSparsemax(bank, options)
                : FreeRecall.Penalized(bank, options);

            JsonIo.WriteOutput(parse.GetValue(output), stdout, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("protocol", name);
                writer.WriteString("method", result.Method);
                writer.WriteNumber("patterns", bank.Rows);
                writer.WriteNumber("dim", bank.Dim);
                writer.WriteNumber("beta", options.Beta);
                writer.WriteNumber("steps", options.Steps);
                if (sequential || m == RecallMethod.Entmax)
                {
                    writer.WriteNumber("alpha", options.Alpha);
                    writer.WriteNumber("lambda", options.Lambda);
                    writer.WriteNumber("rho", options.Rho);
                }
                if (sequential) writer.WriteNumber("w", options.W);
                writer.WriteNumber("start", options.Start);
                writer.WritePropertyName("order");
                writer.WriteStartArray();
                foreach (int id in result.Order) writer.WriteNumberValue(id);
                writer.WriteEndArray();
                writer.WriteNumber("uniqueRatio", result.UniqueRatio);
                if (result.LevenshteinCoefficient is { } lev) writer.WriteNumber("levenshteinCoefficient", lev);
                writer.WriteEndObject();
            });
            return 0;
        }));
        return command;
    }
}

/// <summary>The update rule of <c>hfy recall</c>: constrained sparsemax, or entmax with the penalty (docs/math.md §5).</summary>
internal enum RecallMethod
{
    /// <summary>Projection onto {p ∈ Δ, p ≤ u} (free recall only).</summary>
    ConstrainedSparsemax,

    /// <summary>Penalized entmax updates.</summary>
    Entmax,
}
