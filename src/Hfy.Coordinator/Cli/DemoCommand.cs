using System.CommandLine;
using System.Diagnostics;
using Hfy.Coordinator.Experiments;
using Hfy.Coordinator.Results;
using Spectre.Console;

namespace Hfy.Coordinator.Cli;

/// <summary>
/// <c>hfy demo</c>: an embedded cluster with the dashboard, the default capacity sweep (<see cref="DemoSpec"/>),
/// then a table and where the results and plots are.
/// </summary>
internal static class DemoCommand
{
    /// <summary>
    /// HOOK for the dashboard: given the engine and the store, starts the dashboard and returns
    /// (server to dispose, URL). Wired to the web side (Hfy.Coordinator.Web.DemoDashboard); null: no dashboard.
    /// </summary>
    public static Func<Engine.IRetrievalEngine, ResultsStore, CancellationToken, Task<(IAsyncDisposable Server, string Url)>>? Dashboard { get; set; } = Web.DemoDashboard.StartAsync;

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "nodes of the embedded cluster", DefaultValueFactory = _ => 3 };
        var data = new Option<string?>("--data") { Description = "data directory; default ./data" };
        var local = new Option<bool>("--local") { Description = "run on the kernels in this process instead of an embedded cluster" };
        var spec = new Option<FileInfo?>("--spec") { Description = "run this spec instead of the default sweep" };
        var cmd = new Command("demo", "Start an embedded cluster with the dashboard and run the default capacity sweep") { nodes, data, local, spec };
        cmd.SetAction(async (parse, ct) =>
        {
            var clock = Stopwatch.StartNew();
            var dataDir = parse.GetValue(data) ?? ExperimentConsole.DefaultDataDirectory;
            var n = parse.GetValue(nodes);
            if (n < 1) return ExperimentConsole.PrintErrors([new SpecError("--nodes", $"must be ≥ 1 (got {n})")]);
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
                IAsyncDisposable? dashboard = null;
                if (Dashboard is not null)
                {
                    var (server, url) = await Dashboard(engine, store, ct);
                    dashboard = server;
                    AnsiConsole.MarkupLine($"[grey]dashboard:[/] [link]{Markup.Escape(url)}[/]");
                }
                try
                {
                    AnsiConsole.MarkupLine($"[grey]engine:[/] {Markup.Escape(description)}");
                    var runner = new ExperimentRunner(engine, store);
                    var id = runner.Submit(parsed!, SpecLimits.Default);
                    AnsiConsole.MarkupLine($"[grey]experiment:[/] {id} ({GridExpansion.Count(parsed!)} cells)");
                    var finished = await ExperimentConsole.RunWithProgressAsync(runner, id, ct);
                    ExperimentConsole.PrintSummary(SummaryRow.Summarize(store.GetCells(id)));
                    var outDir = Path.Combine(dataDir, "experiments", id);
                    var files = ExperimentConsole.WriteOutputs(store, id, outDir);
                    AnsiConsole.MarkupLine($"[green]results[/] in {Markup.Escape(store.Path)} (experiment {id}); exports and plots in {Markup.Escape(outDir)}:");
                    foreach (var file in files) AnsiConsole.MarkupLine($"  {Markup.Escape(Path.GetFileName(file))}");
                    AnsiConsole.MarkupLine($"[grey]demo took {clock.Elapsed.TotalSeconds:0} s; again: hfy results {id} --data {Markup.Escape(dataDir)}[/]");
                    return finished ? 0 : 130;
                }
                finally
                {
                    if (dashboard is not null) await dashboard.DisposeAsync();
                }
            }
        });
        return cmd;
    }
}
