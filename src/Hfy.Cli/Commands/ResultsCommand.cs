using System.CommandLine;
using System.Globalization;
using Hfy.Cli.Experiments;
using Hfy.Experiments.Plots;
using Hfy.Experiments.Results;
using Spectre.Console;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy results [ID] [--format table|csv|json] [--plots DIR] [--data DIR]</c>: lists experiments, or prints/exports one.</summary>
internal static class ResultsCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "experiment id (omit to list experiments)", Arity = ArgumentArity.ZeroOrOne };
        var format = CliOption.Choice("--format", "table (default), csv (one row per cell) or json", "format", ResultsFormat.Table,
            [("table", ResultsFormat.Table), ("csv", ResultsFormat.Csv), ("json", ResultsFormat.Json)]);
        var plots = new Option<string?>("--plots") { Description = "write PNG plots into this directory" };
        var data = CommonOptions.DataDirectory();
        var coordinator = CoordinatorOptions.OptionalAddress("read the results from a running coordinator (URL) instead of --data");
        var token = CoordinatorOptions.Token();
        var cmd = new Command("results", "Show or export stored experiment results") { id, format, plots, data, coordinator, token };
        cmd.SetAction(parse => CliErrors.Run(parse, _ =>
        {
            var fmt = parse.GetValue(format);
            if (parse.GetValue(coordinator) is { } url)
            {
                return RemoteResults.RunAsync(url, parse.GetValue(token), parse.GetValue(id), fmt.ToString().ToLowerInvariant(), parse.GetValue(plots), CancellationToken.None)
                    .GetAwaiter().GetResult();
            }

            var dataDir = parse.GetValue(data) ?? ExperimentConsole.DefaultDataDirectory;
            if (!File.Exists(Path.Combine(dataDir, ResultsStore.FileName))) throw new CliUsageException($"data: no {ResultsStore.FileName} in {dataDir}");
            var store = ResultsStore.Open(dataDir);
            var expId = parse.GetValue(id);
            if (expId is null)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "name", "kind", "status", "cells", "created (UTC)");
                foreach (var e in store.ListExperiments())
                {
                    table.AddRow(e.Id, Markup.Escape(e.Name), e.Kind, e.Status, $"{e.DoneCells}/{e.TotalCells}",
                        e.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
                return 0;
            }
            var record = store.GetExperiment(expId);
            if (record is null) throw new CliUsageException($"id: no experiment '{expId}' in {store.Path}");
            var cells = store.GetCells(expId);
            switch (fmt)
            {
                case ResultsFormat.Csv:
                    Console.Out.Write(ResultsExport.CellsCsv(cells));
                    break;
                case ResultsFormat.Json:
                    Console.Out.WriteLine(ResultsExport.Json(record, cells));
                    break;
                default:
                    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(record.Name)}[/] {record.Id}: {record.Status}, {cells.Count}/{record.TotalCells} cells");
                    ExperimentConsole.PrintSummary(SummaryRow.Summarize(cells));
                    break;
            }
            if (parse.GetValue(plots) is { } dir)
            {
                foreach (var f in PlotWriter.WriteAll(record, cells, dir)) Console.Error.WriteLine($"wrote {f}");
            }
            return 0;
        }));
        return cmd;
    }
}

/// <summary>How <c>hfy results</c> prints one experiment.</summary>
internal enum ResultsFormat
{
    /// <summary>A summary table.</summary>
    Table,

    /// <summary>One CSV row per cell.</summary>
    Csv,

    /// <summary>The experiment and its cells as JSON.</summary>
    Json,
}
