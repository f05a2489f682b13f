using System.CommandLine;
using System.Text.Json;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy submit SPEC --coordinator URL [--token T] [--wait]</c>: sends an experiment spec to a running coordinator.</summary>
internal static class SubmitCommand
{
    /// <summary>How often <c>--wait</c> polls the experiment.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "Experiment spec (JSON file, or - for stdin)" };
        var coordinator = CoordinatorOptions.Address();
        var token = CoordinatorOptions.Token();
        var wait = new Option<bool>("--wait") { Description = "Wait until the experiment finishes, printing its progress" };
        var command = new Command("submit", "Submit an experiment spec to a running coordinator; prints the experiment id")
        {
            spec, coordinator, token, wait,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(spec)!, parse.GetValue(coordinator)!, parse.GetValue(token), parse.GetValue(wait), ct));
        return command;
    }

    private static async Task<int> RunAsync(string specPath, string address, string? token, bool wait, CancellationToken ct)
    {
        string json;
        try
        {
            json = specPath == "-" ? await Console.In.ReadToEndAsync(ct).ConfigureAwait(false) : await File.ReadAllTextAsync(specPath, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CoordinatorOptions.Fail($"spec: cannot read '{specPath}' ({e.Message})", 2);
        }

        return await CoordinatorOptions.RunAsync(address, token, async client =>
        {
            var id = await client.SubmitAsync(json, ct).ConfigureAwait(false);
            Console.WriteLine(id);
            if (!wait)
            {
                return 0;
            }

            while (true)
            {
                using var doc = await client.GetAsync($"api/experiments/{Uri.EscapeDataString(id)}", ct).ConfigureAwait(false);
                var e = doc.RootElement;
                var state = e.GetProperty("state").GetString();
                Console.Error.WriteLine($"{id}: {state} {e.GetProperty("cellsDone").GetInt32()}/{e.GetProperty("cellsTotal").GetInt32()} cells");
                switch (state)
                {
                    case "finished":
                        return 0;
                    case "failed" or "cancelled":
                        var error = e.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString() : state;
                        return CoordinatorOptions.Fail($"experiment {id} {state}: {error}", 1);
                }

                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }
}
