using Hfy.Actors.Retrieval;
using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>
/// Sequential k-subsets in the dense regime (β = 0.01: every row lies within θ_(k) − margin, so each gather brings all
/// N (id, score) pairs of every query to the coordinator), with a message budget far below one partition's answer:
/// the gather streams in chunks, and the answer still equals the single-node kernel's. Serialization forced on.
/// </summary>
public sealed class ClusterGatherTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const int Rows = 12_000;
    private static readonly BankSpec Spec = new("dense-gather", Rows, 16, BankSourceKind.Gaussian, Seed: 31);
    private static readonly long[] Targets = [7, 6_001, 11_999];

    [Fact]
    public async Task SeqKSubsets_AtSmallBeta_StreamsTheGatherInChunks_AndEqualsSingleNode()
    {
        // 4 partitions × 3,000 rows × 3 queries × 12 bytes ≈ 108 KB per partition answer, budget 64 KB: ≥ 2 chunks each.
        var settings = new RetrievalSettings { MaxMessageBytes = 65_536, RequestTimeout = TimeSpan.FromSeconds(120) };
        await using var engine = new ClusterEngine(fixture.Cluster.Coordinator, fixture.Cluster.Region, new ClusterEngineOptions { PartitionsPerBank = 4, Retrieval = settings });
        await engine.CreateBankAsync(Spec, CancellationToken.None);
        var queries = EngineTestData.NoisyQueries(Spec, Targets, 0.5, seed: 13);
        var options = new RetrievalOptions(MapSpec.SeqKSubsets(2, 1.0), 0.01, Steps: 2, Post: PostTransform.Identity);

        var got = await engine.RetrieveAsync(Spec.Name, queries, Targets.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(BankSources.Load(Spec), queries, Targets.Length, options);

        for (var b = 0; b < Targets.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], 1e-5, $"seq-ksubsets β=0.01 query {b}");
        // Every scoring (2 steps + the final evaluation) gathered all rows for every query: 12 bytes per pair at least.
        Assert.True(got.Stats.BytesMoved > 12L * Rows * Targets.Length * (options.Steps + 1),
            $"the dense gather moved every (id, score) pair (got {got.Stats.BytesMoved:N0} bytes)");
        // One gather round per scoring however many chunks: score + gather + explicit readout per evaluation (the final
        // one reads out too, for the energy at q_T).
        Assert.Equal(3 * (options.Steps + 1), got.Stats.RoundTrips);
    }

    [Fact]
    public async Task SeqKSubsets_GatherBeyondTheCoordinatorLimit_FailsNamingTheLimitAndTheNumbers()
    {
        var settings = new RetrievalSettings { MaxMessageBytes = 65_536, MaxGatherPairs = 10_000, RequestTimeout = TimeSpan.FromSeconds(120) };
        await using var engine = new ClusterEngine(fixture.Cluster.Coordinator, fixture.Cluster.Region, new ClusterEngineOptions { PartitionsPerBank = 4, Retrieval = settings });
        await engine.CreateBankAsync(Spec, CancellationToken.None);
        var queries = EngineTestData.NoisyQueries(Spec, Targets, 0.5, seed: 13);
        var options = new RetrievalOptions(MapSpec.SeqKSubsets(2, 1.0), 0.01, Steps: 2);

        var e = await Assert.ThrowsAsync<ClusterRetrievalException>(() => engine.RetrieveAsync(Spec.Name, queries, Targets.Length, options, CancellationToken.None));

        Assert.Contains("MaxGatherPairs = 10,000", e.Message, StringComparison.Ordinal);
        Assert.Contains("(row id, score) pairs for 3 queries", e.Message, StringComparison.Ordinal);
        Assert.Contains("up to 36,000", e.Message, StringComparison.Ordinal);
    }
}
