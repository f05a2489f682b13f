using System.CommandLine;
using System.Diagnostics;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Cli.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Web;
using Spectre.Console;

namespace Hfy.Cli.Commands;

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
        var nodes = CommonOptions.Nodes(3);
        var data = CommonOptions.DataDirectory();
        var local = new Option<bool>("--local") { Description = "run on the kernels in this process (no cluster, no dashboard)" };
        var spec = new Option<FileInfo>("--spec") { Description = "run this spec instead of the default sweep" }.AcceptExistingOnly();
        var port = CliOption.WithDefault("--http-port", "dashboard port on 127.0.0.1 (0: any free port)", 0, Rule.InRange(0, 65535));
        var format = new Option<string?>("--format") { Description = "summary as table (fits the terminal), tsv or csv (default: table)" };
        var cmd = new Command("demo", "Start an embedded cluster with the dashboard and run the default capacity sweep") { nodes, data, local, spec, port, format };
        cmd.SetAction(async (parse, ct) =>
        {
            if (ExperimentConsole.ParseFormat(parse.GetValue(format)) is not { } summaryFormat)
                return ExperimentConsole.PrintErrors([new SpecError("--format", $"must be table, tsv or csv (got '{parse.GetValue(format)}')")]);
            var clock = Stopwatch.StartNew();
            var dataDir = parse.GetValue(data) ?? ExperimentConsole.DefaultDataDirectory;
            var n = parse.GetValue(nodes);
            var httpPort = parse.GetValue(port);
            var json = parse.GetValue(spec) is { } f ? await File.ReadAllTextAsync(f.FullName, ct) : DemoSpec.Json;
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
