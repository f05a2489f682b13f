using System.CommandLine;
using System.Diagnostics;
using Hfy.Coordinator.Experiments;
using Hfy.Coordinator.Results;
using Hfy.Coordinator.Web;
using Spectre.Console;

namespace Hfy.Coordinator.Cli;

/// <summary>
/// <c>hfy demo</c>: an embedded cluster (coordinator + N bank nodes) with the experiment manager and the dashboard
/// on the coordinator node, the default capacity sweep (<see cref="DemoSpec"/>) submitted to the manager (so the
/// dashboard shows it live), then a table and where the results and plots are. <c>--local</c>: kernels in this
/// process, no cluster and no dashboard.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "bank nodes of the embedded cluster", DefaultValueFactory = _ => 3 };
        var data = new Option<string?>("--data") { Description = "data directory; default ./data" };
        var local = new Option<bool>("--local") { Description = "run on the kernels in this process (no cluster, no dashboard)" };
        var spec = new Option<FileInfo?>("--spec") { Description = "run this spec instead of the default sweep" };
        var port = new Option<int>("--http-port") { Description = "dashboard port on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => 0 };
        var format = new Option<string?>("--format") { Description = "summary as table (fits the terminal), tsv or csv (default: table)" };
        var cmd = new Command("demo", "Start an embedded cluster with the dashboard and run the default capacity sweep") { nodes, data, local, spec, port, format };
        cmd.SetAction(async (parse, ct) =>
        {
            if (ExperimentConsole.ParseFormat(parse.GetValue(format)) is not { } summaryFormat)
                return ExperimentConsole.PrintErrors([new SpecError("--format", $"must be table, tsv or csv (got '{parse.GetValue(format)}')")]);
            var clock = Stopwatch.StartNew();
            var dataDir = parse.GetValue(data) ?? ExperimentConsole.DefaultDataDirectory;
            var n = parse.GetValue(nodes);
            if (n < 1) return ExperimentConsole.PrintErrors([new SpecError("--nodes", $"must be ≥ 1 (got {n})")]);
            var httpPort = parse.GetValue(port);
            if (httpPort is < 0 or > 65535) return ExperimentConsole.PrintErrors([new SpecError("--http-port", $"must be in 0..65535 (got {httpPort})")]);
            var json = parse.GetValue(spec) is { } f
                ? (f.Exists ? await File.ReadAllTextAsync(f.FullName, ct) : null)
                : DemoSpec.Json;
            if (json is null) return ExperimentConsole.PrintErrors([new SpecError("--spec", $"file not found: {parse.GetValue(spec)!.FullName}")]);
            var (parsed, errors) = SpecValidator.ParseAndValidate(json, SpecLimits.Default);
            if (errors.Count > 0) return ExperimentConsole.PrintErrors(errors);

            var store = ResultsStore.Open(dataDir);
            var (engine, description) = await ExperimentEngines.CreateAsync(n, parse.GetValue(local), ct);
            await using (engine)
            {
                AnsiConsole.MarkupLine($"[grey]engine:[/] {Markup.Escape(description)}");
                string? id;
                int code;
                if (engine is ExperimentEngines.ClusterOwner owner)
                {
                    var system = owner.Cluster.Coordinator;
                    var manager = system.ActorOf(ExperimentManager.Props(owner.Cluster.Engine, store, SpecLimits.Default), "experiment-manager");
                    await using var dashboard = await Dashboard.StartAsync(system, owner.Cluster.Engine, manager, store,
                        new WebOptions { Host = "127.0.0.1", Port = httpPort }, ct);
                    AnsiConsole.MarkupLine($"[grey]dashboard:[/] [link]{Markup.Escape(dashboard.Server.DashboardUrl)}[/]");
                    (id, code) = await ExperimentConsole.RunViaManagerAsync(system, manager, json, parsed!.Name ?? "demo", ct);
                    if (id is null) return code;
                }
                else
                {
                    var runner = new ExperimentRunner(engine, store);
                    id = runner.Submit(parsed!, SpecLimits.Default);
                    AnsiConsole.MarkupLine($"[grey]experiment:[/] {id} ({GridExpansion.Count(parsed!)} cells)");
                    code = await ExperimentConsole.RunWithProgressAsync(runner, id, ct);
                }
                ExperimentConsole.PrintSummary(SummaryRow.Summarize(store.GetCells(id)), summaryFormat);
                var outDir = Path.Combine(dataDir, "experiments", id);
                var files = ExperimentConsole.WriteOutputs(store, id, outDir);
                AnsiConsole.MarkupLine($"[green]results[/] in {Markup.Escape(store.Path)} (experiment {id}); exports and plots in {Markup.Escape(outDir)}:");
                foreach (var file in files) AnsiConsole.MarkupLine($"  {Markup.Escape(Path.GetFileName(file))}");
                AnsiConsole.MarkupLine($"[grey]demo took {clock.Elapsed.TotalSeconds:0} s; again: hfy results {id} --data {Markup.Escape(dataDir)}[/]");
                return code;
            }
        });
        return cmd;
    }
}
