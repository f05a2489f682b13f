using Hfy.Experiments.Engines;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>Known capacity behaviour (docs/capacity.md) reproduced on small sizes.</summary>
public class KnownBehaviourTests
{
    private static async Task<IReadOnlyList<SummaryRow>> RunAsync(string json)
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new LocalEngine(), store);
        var id = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        return SummaryRow.Summarize(store.GetCells(id));
    }

    [Fact]
    public async Task Softmax_NeverRetrievesExactly_WhileSparsemaxDoes()
    {
        // β = 200 puts softmax's q_T within 1e-6 of the pattern (cosine 1), yet its weights are never exactly one-hot.
        var rows = await RunAsync("""
            { "bank": { "source": "sphere", "seed": 2, "dim": 16 },
              "grid": { "sizes": [10, 100], "maps": [ { "name": "softmax" }, { "name": "sparsemax" } ], "betas": [1, 20, 200],
                        "noise": [0], "steps": 5 },
              "queries": 10, "tol": 1e-9 }
            """);
        Assert.All(rows.Where(r => r.Map == "softmax"), r => Assert.Equal(0.0, r.ExactRate));
        Assert.Equal(1.0, rows.Single(r => r.Map == "softmax" && r.Beta == 200 && r.N == 10).CosineRate);
        Assert.Equal(1.0, rows.Single(r => r.Map == "sparsemax" && r.Beta == 200 && r.N == 100).ExactRate);
        Assert.Equal(1.0, rows.Single(r => r.Map == "sparsemax" && r.Beta == 20 && r.N == 10).ExactRate);
    }

    [Fact]
    public async Task ClassicalHopfield_BreaksNear014D_OnBinaryPatterns()
    {
        // D = 200: N = 10 (0.05 D) and N = 20 (0.1 D) are retrieved; N = 40 (0.2 D) and N = 60 (0.3 D) mostly are not.
        var rows = await RunAsync("""
            { "bank": { "source": "binary", "seed": 1, "dim": 200 },
              "grid": { "sizes": [10, 20, 40, 60], "maps": [ { "name": "hopfield" } ], "betas": [1], "noise": [0], "steps": 30 },
              "success": { "criterion": "cosine", "threshold": 0.9 }, "queries": 20, "seed": 3 }
            """);
        var rate = rows.ToDictionary(r => r.N, r => r.Median);
        Assert.True(rate[10] >= 0.95, $"N = 10: {rate[10]}");
        Assert.True(rate[20] >= 0.85, $"N = 20: {rate[20]}");
        Assert.True(rate[40] <= 0.5, $"N = 40: {rate[40]}");
        Assert.True(rate[60] <= 0.2, $"N = 60: {rate[60]}");
    }

    [Fact]
    public async Task SparseMapCapacity_GrowsWithBeta()
    {
        var rows = await RunAsync("""
            { "bank": { "source": "sphere", "seed": 1, "dim": 8 },
              "grid": { "sizes": [2000], "maps": [ { "name": "sparsemax" } ], "betas": [4, 16, 64], "noise": [0.01], "steps": 5 },
              "queries": 40, "tol": 1e-9, "seed": 9 }
            """);
        var rate = rows.OrderBy(r => r.Beta).Select(r => r.ExactRate).ToArray();
        Assert.True(rate[0] < rate[1] && rate[1] <= rate[2], string.Join(", ", rate));
        Assert.Equal(1.0, rate[2]);
    }
}
