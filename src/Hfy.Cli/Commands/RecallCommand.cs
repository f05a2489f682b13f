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
        var memories = new Option<string?>("--memories") { Description = "patterns in storage order: .npy, .csv, IDX, JSON {\"rows\": [[...]]}, or gen:gaussian|sphere|binary:N:D[:SEED]" };
        var method = new Option<string?>("--method") { Description = sequential ? "entmax (the only method of sequential recall)" : "csparsemax (default) or entmax (penalized)" };
        var alpha = new Option<double?>("--alpha") { Description = "α of the entmax updates (default 2: sparsemax)" };
        var beta = new Option<double?>("--beta") { Description = "inverse temperature β > 0" };
        var steps = new Option<int?>("--steps") { Description = "Hopfield updates T per recalled memory (≥ 0)" };
        var lambda = new Option<double?>("--lambda") { Description = "penalty weight λ ≥ 0 (default 1e8)" };
        var rho = new Option<double?>("--rho") { Description = "penalty decay ρ in (0, 1] (default 0.001)" };
        var w = new Option<double?>("--w") { Description = "pair bonus of the seq-2-subsets transition (default 1e8)" };
        var count = new Option<int?>("--count") { Description = "memories to recall (default: all)" };
        var start = new Option<int?>("--start") { Description = "row of the initial cue q = x_start (default 0)" };
        var output = new Option<string?>("--output") { Description = "where to write the JSON result (default: stdout)" };
        var command = new Command(name, description);
        foreach (var o in new Option[] { memories, method, alpha, beta, steps, lambda, rho, w, count, start, output }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var bank = MemoriesArgument.Read(parse.GetValue(memories));
            var m = (parse.GetValue(method) ?? (sequential ? "entmax" : "csparsemax")).Trim().ToLowerInvariant();
            if (m is not ("csparsemax" or "entmax") || (sequential && m != "entmax"))
                throw new CliUsageException(sequential
                    ? $"method: sequential recall uses entmax updates (got '{m}')"
                    : $"method: must be csparsemax or entmax (got '{m}')");
            var b = parse.GetValue(beta) ?? throw new CliUsageException("beta: required (> 0)");
            var t = parse.GetValue(steps) ?? throw new CliUsageException("steps: required (≥ 0)");
            var options = new RecallOptions(
                Beta: b,
                Steps: t,
                Alpha: parse.GetValue(alpha) ?? 2.0,
                Lambda: parse.GetValue(lambda) ?? 1e8,
                Rho: parse.GetValue(rho) ?? 0.001,
                W: parse.GetValue(w) ?? 1e8,
                Count: parse.GetValue(count),
                Start: parse.GetValue(start) ?? 0);
            if (options.Validate(bank.Rows) is { } problem) throw new CliUsageException(problem);
            if (sequential && bank.Rows < 2) throw new CliUsageException("memories: sequential recall needs at least two patterns");

            var result = sequential ? SequentialRecall.Run(bank, options)
                : m == "csparsemax" ? FreeRecall.ConstrainedSparsemax(bank, options)
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
                if (sequential || m == "entmax")
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
