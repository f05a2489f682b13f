using System.CommandLine;
using Hfy.Experiments;
using Hfy.Cli.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Spectre.Console;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy run SPEC [--nodes N] [--data DIR] [--local]</c>: validates, runs with a progress bar, prints a table, writes CSV/JSON/plots.</summary>
internal static class RunCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var spec = new Argument<FileInfo?>("spec") { Description = "experiment spec (JSON; see docs/experiments.md)", Arity = ArgumentArity.ZeroOrOne };
        var nodes = new Option<int>("--nodes") { Description = "nodes of the embedded cluster", DefaultValueFactory = _ => 3 };
        var data = new Option<string?>("--data") { Description = "data directory (results.db, exports, plots); default ./data" };
        var local = new Option<bool>("--local") { Description = "run on the kernels in this process instead of an embedded cluster" };
        var resume = new Option<string?>("--resume") { Description = "resume a stored experiment by id instead of submitting SPEC" };
        var memory = new Option<long?>("--max-bank-bytes") { Description = "memory budget for one bank (bytes); default 4 GiB" };
        var maxSpec = new Option<long?>("--max-spec-bytes") { Description = $"largest spec file accepted (bytes); default {SpecLimits.Default.MaxSpecBytes}" };
        var format = new Option<string?>("--format") { Description = "summary as table (fits the terminal), tsv or csv (default: table)" };
        var cmd = new Command("run", "Run an experiment spec (capacity, metastable, basins, free-recall, sequential-recall, exponential, mil, rationale) and write its results") { spec, nodes, data, local, resume, memory, maxSpec, format };
        cmd.SetAction(async (parse, ct) =>
        {
            if (ExperimentConsole.ParseFormat(parse.GetValue(format)) is not { } summaryFormat)
                return ExperimentConsole.PrintErrors([new SpecError("--format", $"must be table, tsv or csv (got '{parse.GetValue(format)}')")]);
            var dataDir = parse.GetValue(data) ?? ExperimentConsole.DefaultDataDirectory;
            var n = parse.GetValue(nodes);
            if (n < 1) return ExperimentConsole.PrintErrors([new SpecError("--nodes", $"must be ≥ 1 (got {n})")]);
            var limits = parse.GetValue(memory) is { } bytes ? SpecLimits.ForMemory(bytes) : SpecLimits.Default;
            if (parse.GetValue(maxSpec) is { } specBytes)
            {
                if (specBytes < 1024) return ExperimentConsole.PrintErrors([new SpecError("--max-spec-bytes", $"must be ≥ 1024 (got {specBytes})")]);
                limits = limits with { MaxSpecBytes = specBytes };
            }
            var resumeId = parse.GetValue(resume);
            var file = parse.GetValue(spec);
            ExperimentSpec? parsed = null;
            // Everything is checked before the store is opened: a refused run leaves no data directory behind.
            if (resumeId is null)
            {
                if (file is null) return ExperimentConsole.PrintErrors([new SpecError("spec", "a spec file is required (or --resume ID)")]);
                if (Directory.Exists(file.FullName)) return ExperimentConsole.PrintErrors([new SpecError("spec", $"is a directory, not a spec file: {file.FullName}")]);
                if (!file.Exists) return ExperimentConsole.PrintErrors([new SpecError("spec", $"file not found: {file.FullName}")]);
                if (file.Length > limits.MaxSpecBytes)
                    return ExperimentConsole.PrintErrors([new SpecError("spec", $"file of {file.Length} bytes is larger than the limit of {limits.MaxSpecBytes} bytes (--max-spec-bytes)")]);
                var (s, errors) = SpecValidator.ParseAndValidate(await File.ReadAllTextAsync(file.FullName, ct), limits);
                if (errors.Count > 0) return ExperimentConsole.PrintErrors(errors);
                parsed = s;
            }
            else if (!File.Exists(Path.Combine(dataDir, ResultsStore.FileName)) || ResultsStore.Open(dataDir).GetExperiment(resumeId) is null)
            {
                return ExperimentConsole.PrintErrors([new SpecError("--resume", $"no experiment '{resumeId}' in {Path.Combine(dataDir, ResultsStore.FileName)}")]);
            }

            var store = ResultsStore.Open(dataDir);

            // Recall cells run on the single-node recall kernels (RecallCell), so a cluster would only sit idle. Learning
            // cells run on the bank nodes (ClusterEngine's learning-cell dispatch).
            var parsedKind = ExperimentNames.ParseKind((parsed ?? store.GetExperiment(resumeId!)!.Spec).Kind);
            var recall = parsedKind?.IsRecall() == true;
            var (engine, description) = await ExperimentEngines.CreateAsync(n, parse.GetValue(local) || recall, ct);
            await using (engine)
            {
                AnsiConsole.MarkupLine($"[grey]engine:[/] {Markup.Escape(recall ? "kernels in this process (recall: each round needs the whole bank)" : description)}");
                var runner = new ExperimentRunner(engine, store);
                var id = resumeId ?? runner.Submit(parsed!, limits);
                AnsiConsole.MarkupLine($"[grey]experiment:[/] {id}   [grey]store:[/] {Markup.Escape(store.Path)}");
                var code = await ExperimentConsole.RunWithProgressAsync(runner, id, ct);
                if (store.GetExperiment(id) is { } exp && ExperimentNames.ParseKind(exp.Kind) == ExperimentKind.Exponential)
                    Console.WriteLine(Hfy.Experiments.Exponential.ExponentialReport.Markdown(exp, store.GetCells(id), points: false));
                else if (store.GetExperiment(id) is { } lexp && ExperimentNames.ParseKind(lexp.Kind) is { } lkind && Hfy.Experiments.LearningKinds.IsLearning(lkind))
                    Console.WriteLine(Hfy.Experiments.Learning.LearningReport.Markdown(store.GetCells(id)));
                else ExperimentConsole.PrintSummary(SummaryRow.Summarize(store.GetCells(id)), summaryFormat);
                var outDir = Path.Combine(dataDir, "experiments", id);
                foreach (var f in ExperimentConsole.WriteOutputs(store, id, outDir)) AnsiConsole.MarkupLine($"[grey]wrote[/] {Markup.Escape(f)}");
                return code;
            }
        });
        return cmd;
    }
}
