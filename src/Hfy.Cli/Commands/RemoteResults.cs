using System.Text.Json;
using System.Text.Json.Serialization;
using Hfy.Experiments;
using Hfy.Cli.Experiments;
using Hfy.Experiments.Plots;
using Hfy.Experiments.Results;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy results [ID] --coordinator URL</c>: the same listing, table, CSV, JSON and plots as the local command,
/// from a running coordinator's <c>/api/experiments</c> and <c>/api/experiments/{id}/results</c>.
/// </summary>
internal static class RemoteResults
{
    // The results document is written with SpecJson.Options; computed properties (groupKey, spec) come along and are skipped here.
    private static readonly JsonSerializerOptions Read = new(SpecJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    /// <summary>Runs the remote variant; returns the exit code.</summary>
    public static Task<int> RunAsync(string address, string? token, string? id, string format, string? plots, CancellationToken ct) =>
        CoordinatorOptions.RunAsync(address, token, async client =>
        {
            if (id is null)
            {
                using var list = await client.GetAsync("api/experiments", ct).ConfigureAwait(false);
                Console.WriteLine($"{"id",-24} {"status",-10} {"cells",-9} name");
                foreach (var e in list.RootElement.EnumerateArray())
                {
                    var cells = $"{e.GetProperty("cellsDone").GetInt32()}/{e.GetProperty("cellsTotal").GetInt32()}";
                    Console.WriteLine($"{e.GetProperty("id").GetString(),-24} {e.GetProperty("state").GetString(),-10} {cells,-9} {e.GetProperty("name").GetString()}");
                }

                return 0;
            }

            using var doc = await client.GetAsync($"api/experiments/{Uri.EscapeDataString(id)}/results", ct).ConfigureAwait(false);
            var (record, cellRecords) = Parse(doc.RootElement);
            switch (format)
            {
                case "json":
                    Console.Out.WriteLine(ResultsExport.Json(record, cellRecords));
                    break;
                case "csv":
                    Console.Out.Write(ResultsExport.CellsCsv(cellRecords));
                    break;
                default:
                    Console.Out.WriteLine($"{record.Name} {record.Id}: {record.Status}, {cellRecords.Count}/{record.TotalCells} cells");
                    ExperimentConsole.PrintSummary(SummaryRow.Summarize(cellRecords));
                    break;
            }

            if (plots is not null)
            {
                foreach (var f in PlotWriter.WriteAll(record, cellRecords, plots))
                {
                    Console.Error.WriteLine($"wrote {f}");
                }
            }

            return 0;
        });

    /// <summary>The experiment and its cells from a results document (<see cref="ResultsExport.Json"/>).</summary>
    internal static (ExperimentRecord Record, IReadOnlyList<CellRecord> Cells) Parse(JsonElement root)
    {
        var id = root.GetProperty("id").GetString()!;
        var cells = root.GetProperty("cells").EnumerateArray().Select(c => new CellRecord(
            id,
            c.GetProperty("key").GetString()!,
            c.GetProperty("index").GetInt32(),
            c.GetProperty("params").Deserialize<CellParams>(Read)!,
            c.GetProperty("metrics").Deserialize<CellMetrics>(Read)!,
            c.GetProperty("startedUtc").GetDateTime(),
            c.GetProperty("finishedUtc").GetDateTime())).ToList();
        var record = new ExperimentRecord(
            id,
            root.GetProperty("name").GetString() ?? id,
            root.GetProperty("kind").GetString() ?? "",
            root.GetProperty("spec").GetRawText(),
            root.GetProperty("status").GetString() ?? "",
            root.GetProperty("totalCells").GetInt32(),
            cells.Count,
            root.GetProperty("createdUtc").GetDateTime(),
            root.TryGetProperty("finishedUtc", out var f) && f.ValueKind == JsonValueKind.String ? f.GetDateTime() : null,
            root.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString() : null);
        return (record, cells);
    }
}
