using System.Text.Json;
using Hfy.Coordinator.Engine;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary>A real cluster: a coordinator and two bank nodes as separate <c>hfy</c> processes on 127.0.0.1.</summary>
[Collection(Hfy.Coordinator.Tests.Web.WebClusterCollection.Name)]
public sealed class LocalProcessClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    // 2 sizes × 2 maps = 4 cells, small enough for a 2-core machine running three processes.
    private const string SmallSpec = """
        {
          "name": "process cluster check",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 3, "dim": 16 },
          "grid": {
            "sizes": [200, 1000],
            "maps": [ { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 } ],
            "betas": [8],
            "posts": ["identity"],
            "noise": [0.05],
            "steps": 3,
            "repeats": 1
          },
          "success": { "criterion": "exact" },
          "queries": 12,
          "tol": 1e-9,
          "seed": 11
        }
        """;

    // 5 sizes × 2 maps × 4 repeats = 40 cells on banks up to 128k rows: still running when a bank process stops,
    // even on an idle machine in Release.
    private const string LongerSpec = """
        {
          "name": "survives a lost bank node",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 5, "dim": 16 },
          "grid": {
            "sizes": [8000, 16000, 32000, 64000, 128000],
            "maps": [ { "name": "sparsemax" }, { "name": "softmax" } ],
            "betas": [8],
            "posts": ["identity"],
            "noise": [0.05],
            "steps": 3,
            "repeats": 4
          },
          "success": { "criterion": "exact" },
          "queries": 12,
          "tol": 1e-9,
          "seed": 13
        }
        """;

    [Fact]
    public async Task SubmittedExperiment_MatchesTheEmbeddedRun_AndFinishesAfterABankProcessStops()
    {
        Assert.True(File.Exists(ProcessGroup.HfyDll), $"{ProcessGroup.HfyDll} missing");
        var clusterPort = ProcessGroup.FreePort();
        var httpPort = ProcessGroup.FreePort();
        var data = Directory.CreateTempSubdirectory("hfy-proc-test-");
        var env = new Dictionary<string, string> { ["HFY_SEEDS"] = $"127.0.0.1:{clusterPort}" };
        using var group = new ProcessGroup();
        try
        {
            group.Start("coordinator", ["coordinator", "--host", "127.0.0.1", "--port", $"{clusterPort}", "--http", $"127.0.0.1:{httpPort}", "--data", data.FullName], env);
            group.Start("bank-1", ["node", "--host", "127.0.0.1", "--port", "0"], env);
            group.Start("bank-2", ["node", "--host", "127.0.0.1", "--port", "0"], env);
            using var client = new CoordinatorClient(new Uri($"http://127.0.0.1:{httpPort}"), null, TimeSpan.FromSeconds(30));

            await WaitUntil(async () =>
            {
                using var c = await client.GetAsync("api/cluster", default);
                return c.RootElement.GetProperty("membersUp").GetInt32() == 3;
            }, "3 members Up", group);

            using (var c = await client.GetAsync("api/cluster", default))
            {
                var members = c.RootElement.GetProperty("members").EnumerateArray().ToList();
                Assert.Single(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "coordinator"));
                Assert.Equal(2, members.Count(m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "bank")));
                Assert.Single(members, m => m.GetProperty("leader").GetBoolean());
            }

            // 1. A small experiment over HTTP gives the same cells as the embedded run of the same spec.
            var id = await client.SubmitAsync(SmallSpec, default);
            await WaitForState(client, id, "finished", group);
            using var remote = await client.GetAsync($"api/experiments/{id}/results", default);
            var expected = await RunEmbeddedAsync(SmallSpec);
            AssertSameCells(expected, remote.RootElement);

            // The CLI on top of the API: status, results (same CSV as from the coordinator's own data directory),
            // and a refused spec (exit 2, every problem listed, nothing created).
            var url = $"http://127.0.0.1:{httpPort}";
            var cli = TimeSpan.FromSeconds(60);
            var status = await ProcessGroup.RunAsync(["status", "--coordinator", url], cli);
            Assert.Equal(0, status.Exit);
            Assert.Contains("members (3 up of 3)", status.Out, StringComparison.Ordinal);
            var remoteCsv = await ProcessGroup.RunAsync(["results", id, "--coordinator", url, "--format", "csv"], cli);
            var localCsv = await ProcessGroup.RunAsync(["results", id, "--data", data.FullName, "--format", "csv"], cli);
            Assert.Equal(0, remoteCsv.Exit);
            Assert.Equal(localCsv.Out, remoteCsv.Out);
            Assert.Equal(5, remoteCsv.Out.Trim().Split('\n').Length); // header + 4 cells
            var bad = Path.Combine(data.FullName, "bad.json");
            await File.WriteAllTextAsync(bad, SmallSpec.Replace("\"sizes\": [200, 1000]", "\"sizes\": []", StringComparison.Ordinal)
                .Replace("\"alpha\": 1.5", "\"alpha\": 0.5", StringComparison.Ordinal));
            var refused = await ProcessGroup.RunAsync(["submit", bad, "--coordinator", url], cli);
            Assert.Equal(2, refused.Exit);
            var lines = refused.Err.Trim().Split('\n');
            Assert.StartsWith("error: spec refused: ", lines[0], StringComparison.Ordinal);
            Assert.True(lines.Length >= 3, refused.Err);
            Assert.Contains(lines, l => l.Contains("sizes", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("alpha", StringComparison.Ordinal));
            using (var list = await client.GetAsync("api/experiments", default))
            {
                Assert.Equal(1, list.RootElement.GetArrayLength());
            }

            // 2. A longer one keeps going when a bank process stops (SIGTERM: it leaves, its partitions move to the other).
            var id2 = await client.SubmitAsync(LongerSpec, default);
            await WaitUntil(async () =>
            {
                using var e = await client.GetAsync($"api/experiments/{id2}", default);
                return e.RootElement.GetProperty("cellsDone").GetInt32() >= 1;
            }, "first cell of the second experiment", group);

            // Both bank processes hold partitions of the loaded bank.
            await WaitUntil(async () =>
            {
                using var banks = await client.GetAsync("api/banks", default);
                var nodes = banks.RootElement.GetProperty("nodes").EnumerateArray().ToList();
                return nodes.Count == 2 && nodes.All(n => n.GetProperty("partitions").GetInt32() > 0 && n.GetProperty("rows").GetInt64() > 0);
            }, "partitions on both bank nodes", group);
            using (var atStop = await client.GetAsync($"api/experiments/{id2}", default))
            {
                Assert.True(atStop.RootElement.GetProperty("cellsDone").GetInt32() < 30, "the experiment must still be running when the bank process stops");
            }
            Assert.Equal(0, await group.TerminateAsync("bank-2", TimeSpan.FromSeconds(60)));

            await WaitForState(client, id2, "finished", group);
            using var done = await client.GetAsync($"api/experiments/{id2}", default);
            Assert.Equal(40, done.RootElement.GetProperty("cellsDone").GetInt32());

            using var after = await client.GetAsync("api/cluster", default);
            Assert.Equal(2, after.RootElement.GetProperty("membersUp").GetInt32());
            var kinds = after.RootElement.GetProperty("incidents").EnumerateArray().Select(i => i.GetProperty("kind").GetString()).ToList();
            Assert.Contains("left", kinds);

            // 3. SIGTERM: the coordinator leaves gracefully and exits 0.
            Assert.Equal(0, await group.TerminateAsync("coordinator", TimeSpan.FromSeconds(60)));
        }
        catch (Exception e)
        {
            // Whatever failed, show what the three processes said.
            throw new InvalidOperationException($"{e.GetType().Name}: {e.Message}\n{group.AllOutput()}", e);
        }
        finally
        {
            group.Dispose();
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
                // SQLite may hold the file a moment longer; the temp folder is cleaned by the OS.
            }
        }
    }

    /// <summary>The same spec through the experiment runner on an embedded cluster of two bank nodes.</summary>
    private static async Task<JsonElement> RunEmbeddedAsync(string spec)
    {
        var data = Directory.CreateTempSubdirectory("hfy-embedded-");
        await using var cluster = await EmbeddedCluster.StartAsync(2);
        var runner = new ExperimentRunner(cluster.Engine, ResultsStore.Open(data.FullName));
        var id = runner.Submit(ExperimentSpec.Parse(spec), SpecLimits.Default);
        await runner.RunAsync(id, null, default);
        var json = ResultsExport.Json(runner.Store.GetExperiment(id)!, runner.Store.GetCells(id));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static void AssertSameCells(JsonElement expected, JsonElement actual)
    {
        static Dictionary<string, JsonElement> Cells(JsonElement doc) =>
            doc.GetProperty("cells").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!);
        var want = Cells(expected);
        var got = Cells(actual);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        Assert.Equal(4, got.Count);
        foreach (var (key, w) in want)
        {
            var g = got[key];
            foreach (var field in new[] { "successRate", "exactRate", "cosineRate" })
            {
                Assert.Equal(Metric(w, field), Metric(g, field));
            }

            Assert.Equal(Metric(w, "meanCosine"), Metric(g, "meanCosine"), 1e-6);
            Assert.Equal(Metric(w, "meanSupport"), Metric(g, "meanSupport"), 1e-9);
        }
    }

    private static double Metric(JsonElement cell, string name) =>
        cell.TryGetProperty("metrics", out var m) ? m.GetProperty(name).GetDouble() : cell.GetProperty(name).GetDouble();

    private static Task WaitForState(CoordinatorClient client, string id, string state, ProcessGroup group) => group.WaitForState(client, id, state, Patience);

    private static Task WaitUntil(Func<Task<bool>> condition, string what, ProcessGroup group) => group.WaitUntil(condition, what, Patience);
}
