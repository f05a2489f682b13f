using Hfy.Experiments.Results;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary>
/// The coordinator process killed with SIGKILL mid-experiment and started again: with a bank node as a second seed
/// it rejoins the running cluster, and the experiment manager resumes the experiment from the cells the store holds.
/// </summary>
[Collection(Hfy.Coordinator.Tests.Web.WebClusterCollection.Name)]
public sealed class CoordinatorCrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    // 4 sizes × 2 maps × 3 repeats = 24 cells.
    private const string Spec = """
        {
          "name": "survives a coordinator crash",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 5, "dim": 16 },
          "grid": {
            "sizes": [4000, 8000, 16000, 32000],
            "maps": [ { "name": "sparsemax" }, { "name": "softmax" } ],
            "betas": [8], "posts": ["identity"], "noise": [0.05], "steps": 3, "repeats": 3
          },
          "success": { "criterion": "exact" },
          "queries": 12, "tol": 1e-9, "seed": 13
        }
        """;

    [Fact]
    public async Task KilledCoordinator_Restarted_RejoinsAndResumesFromTheStoredCells()
    {
        Assert.True(File.Exists(ProcessGroup.HfyDll), $"{ProcessGroup.HfyDll} missing");
        var clusterPort = ProcessGroup.FreePort();
        var bankPort = ProcessGroup.FreePort();
        var httpPort = ProcessGroup.FreePort();
        var data = Directory.CreateTempSubdirectory("hfy-crash-test-");
        // Two seeds: the coordinator and the first bank node, so a restarted coordinator finds the running cluster.
        var env = new Dictionary<string, string> { ["HFY_SEEDS"] = $"127.0.0.1:{clusterPort},127.0.0.1:{bankPort}" };
        string[] coordinatorArgs = ["coordinator", "--host", "127.0.0.1", "--port", $"{clusterPort}", "--http", $"127.0.0.1:{httpPort}", "--data", data.FullName];
        using var group = new ProcessGroup();
        try
        {
            group.Start("coordinator", coordinatorArgs, env);
            group.Start("bank-1", ["node", "--host", "127.0.0.1", "--port", $"{bankPort}"], env);
            group.Start("bank-2", ["node", "--host", "127.0.0.1", "--port", "0"], env);
            using var client = new CoordinatorClient(new Uri($"http://127.0.0.1:{httpPort}"), null, TimeSpan.FromSeconds(30));
            await WaitUntil(async () => (await Int(client, "api/cluster", "membersUp")) == 3, "3 members Up", group);

            var id = await client.SubmitAsync(Spec, default);
            await WaitUntil(async () => (await Int(client, $"api/experiments/{id}", "cellsDone")) >= 2, "two cells stored", group);

            await group.KillAsync("coordinator", TimeSpan.FromSeconds(30));
            var store = ResultsStore.Open(data.FullName);
            var before = store.GetCells(id).ToDictionary(c => c.Key, c => c.FinishedUtc);
            Assert.InRange(before.Count, 2, 23);
            Assert.Equal(ExperimentStatus.Running, store.GetExperiment(id)!.Status);

            group.Start("coordinator", coordinatorArgs, env);
            await WaitUntil(async () => (await Int(client, "api/cluster", "membersUp")) == 3, "the restarted coordinator Up with both bank nodes", group);
            await WaitUntil(async () =>
            {
                using var e = await client.GetAsync($"api/experiments/{id}", default);
                var state = e.RootElement.GetProperty("state").GetString();
                Assert.NotEqual("failed", state);
                return state == "finished";
            }, "experiment finished after the restart", group);

            Assert.Equal(24, store.CountCells(id));
            // Cells stored before the crash are the same rows (same finish time): they were not run again.
            var after = store.GetCells(id).ToDictionary(c => c.Key, c => c.FinishedUtc);
            foreach (var (key, finished) in before) Assert.Equal(finished, after[key]);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + group.AllOutput(), e);
        }
    }

    private static Task<int> Int(CoordinatorClient client, string path, string field) => ProcessGroup.Int(client, path, field);

    private static Task WaitUntil(Func<Task<bool>> condition, string what, ProcessGroup group) => group.WaitUntil(condition, what, Patience, pollMs: 500);
}
