using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy status --coordinator URL</c>: members, partitions per node and experiments of a running cluster.</summary>
internal static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var coordinator = CoordinatorOptions.Address();
        var token = CoordinatorOptions.Token();
        var json = new Option<bool>("--json") { Description = "Print the coordinator's /api/snapshot JSON instead of tables" };
        var command = new Command("status", "Show a running cluster: members, partitions per node, experiments")
        {
            coordinator, token, json,
        };
        command.SetAction((parse, ct) => CoordinatorOptions.RunAsync(parse.GetValue(coordinator)!, parse.GetValue(token), async client =>
        {
            using var doc = await client.GetAsync("api/snapshot", ct).ConfigureAwait(false);
            Console.Write(parse.GetValue(json) ? JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true }) + "\n" : Format(doc.RootElement));
            return 0;
        }));
        return command;
    }

    /// <summary>Renders a dashboard snapshot as plain-text tables.</summary>
    internal static string Format(JsonElement snapshot)
    {
        var inv = CultureInfo.InvariantCulture;
        var w = new StringWriter(inv);
        var cluster = snapshot.GetProperty("cluster");
        var members = cluster.GetProperty("members").EnumerateArray().ToList();
        w.WriteLine($"members ({cluster.GetProperty("membersUp").GetInt32()} up of {members.Count}), leader {Str(cluster, "leader") ?? "none"}");
        Table(w, ["address", "roles", "status", "reachability", ""], members.Select(m => new[]
        {
            Str(m, "address")!,
            string.Join(",", m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),
            Str(m, "status")!,
            m.GetProperty("reachable").GetBoolean() ? "reachable" : "UNREACHABLE",
            string.Join(" ", new[] { m.GetProperty("leader").GetBoolean() ? "leader" : null, m.GetProperty("oldest").GetBoolean() ? "oldest" : null }.Where(x => x is not null)),
        }));

        var nodes = snapshot.GetProperty("banks").GetProperty("nodes").EnumerateArray().ToList();
        w.WriteLine();
        w.WriteLine($"partitions per node ({snapshot.GetProperty("banks").GetProperty("banks").GetArrayLength()} banks)");
        Table(w, ["node", "partitions", "rows", "bytes"], nodes.Select(n => new[]
        {
            Str(n, "node")!, n.GetProperty("partitions").GetInt32().ToString(inv), n.GetProperty("rows").GetInt64().ToString("N0", inv), n.GetProperty("bytes").GetInt64().ToString("N0", inv),
        }));

        var m = snapshot.GetProperty("metrics");
        w.WriteLine();
        w.WriteLine(string.Create(inv, $"engine: {m.GetProperty("requestsTotal").GetInt64()} requests, {m.GetProperty("queriesPerSecond").GetDouble():0.0} queries/s, latency p50 {m.GetProperty("latencyP50Ms").GetDouble():0.0} ms p99 {m.GetProperty("latencyP99Ms").GetDouble():0.0} ms, {m.GetProperty("roundTripsPerStep").GetDouble():0.00} round trips/step"));

        var experiments = snapshot.GetProperty("experiments").EnumerateArray().ToList();
        w.WriteLine();
        w.WriteLine($"experiments ({experiments.Count})");
        Table(w, ["id", "name", "state", "cells", "eta"], experiments.Select(e => new[]
        {
            Str(e, "id")!, Str(e, "name") ?? "", Str(e, "state")!,
            $"{e.GetProperty("cellsDone").GetInt32()}/{e.GetProperty("cellsTotal").GetInt32()}",
            e.GetProperty("etaSeconds").ValueKind == JsonValueKind.Number ? $"{e.GetProperty("etaSeconds").GetDouble():0}s" : "-",
        }));

        var incidents = cluster.GetProperty("incidents").EnumerateArray().Take(10).ToList();
        if (incidents.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("recent incidents");
            foreach (var i in incidents)
            {
                w.WriteLine($"  {i.GetProperty("at").GetDateTimeOffset():HH:mm:ss} {Str(i, "kind"),-20} {Str(i, "subject")} {Str(i, "detail")}");
            }
        }

        return w.ToString();
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static void Table(StringWriter w, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            w.WriteLine("  (none)");
            return;
        }

        var widths = header.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        w.WriteLine("  " + string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var r in all)
        {
            w.WriteLine("  " + string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
