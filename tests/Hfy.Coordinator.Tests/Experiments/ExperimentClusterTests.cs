using Hfy.Coordinator.Engine;
using Hfy.Experiments.Engines;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Tests.Experiments;

public class ExperimentClusterTests
{
    private const string Spec = """
        {
          "name": "cluster capacity", "kind": "capacity",
          "bank": { "source": "sphere", "seed": 11, "dim": 12 },
          "grid": { "sizes": [30, 600], "maps": [ { "name": "softmax" }, { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 },
                    { "name": "normmax", "gamma": 2 }, { "name": "ksubsets", "k": 2 } ],
                    "betas": [3, 30], "posts": ["identity", "l2"], "noise": [0.02], "steps": 4, "repeats": 1 },
          "queries": 8, "seed": 5, "tol": 1e-9
        }
        """;

    [Fact]
    public async Task CapacityExperiment_OnAnEmbeddedCluster_EqualsTheLocalEngine()
    {
        using var localDir = new TempDir();
        var localStore = ResultsStore.Open(localDir.Path);
        var localRunner = new ExperimentRunner(new LocalEngine(), localStore);
        var localId = localRunner.Submit(ExperimentSpec.Parse(Spec), SpecLimits.Default);
        await localRunner.RunAsync(localId, null, CancellationToken.None);
        var local = localStore.GetCells(localId);

        using var clusterDir = new TempDir();
        var clusterStore = ResultsStore.Open(clusterDir.Path);
        await using var cluster = await EmbeddedCluster.StartAsync(2, new EmbeddedClusterOptions { NumericThreadsPerNode = 1 });
        var runner = new ExperimentRunner(cluster.Engine, clusterStore);
        var id = runner.Submit(ExperimentSpec.Parse(Spec), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var remote = clusterStore.GetCells(id).ToDictionary(c => c.Key);

        Assert.Equal(40, local.Count);
        Assert.Equal(local.Count, remote.Count);
        foreach (var l in local)
        {
            var r = remote[l.Key];
            // Same retrievals, same counts and rates; the mean cosine is a float64 sum of float32-scored states whose
            // partition order differs, so it agrees to 1e-6. Only the cost differs (round trips, bytes).
            Assert.Equal(Comparable(l.Metrics), Comparable(r.Metrics));
            Assert.Equal(l.Metrics.MeanCosine, r.Metrics.MeanCosine, 1e-6);
            Assert.True(r.Metrics.RoundTrips > 0, l.Key);
            Assert.True(r.Metrics.BytesMoved > 0, l.Key);
            Assert.Equal(0, l.Metrics.RoundTrips);
        }
        // The sweep is not trivial: some cells retrieve exactly, softmax never does.
        Assert.Contains(local, c => c.Metrics.ExactRate == 1.0);
        Assert.All(local.Where(c => c.Params.Map == "softmax"), c => Assert.Equal(0.0, c.Metrics.ExactRate));
    }

    private static string Comparable(CellMetrics m)
        => System.Text.Json.JsonSerializer.Serialize(m with { ElapsedMs = 0, RoundTrips = 0, BytesMoved = 0, MeanCosine = 0 });
}
