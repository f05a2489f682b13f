using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>The distributed dynamics equal the single-node kernel (p, support, q after T steps) on the same bank.</summary>
public sealed class ClusterEngineTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const double Rel = 1e-5;

    public static TheoryData<string, double, PostTransform> SmallBankCases => new()
    {
        { "softmax", 0.01, PostTransform.Identity },
        { "softmax", 1, PostTransform.L2 },
        { "entmax-1.5", 1, PostTransform.Identity },
        { "entmax-1.5", 100, PostTransform.LayerNorm },
        { "entmax-2", 0.01, PostTransform.L2 },
        { "entmax-2", 1, PostTransform.Tanh },
        { "entmax-3", 1, PostTransform.LayerNorm },
        { "normmax-2", 1, PostTransform.Identity },
        { "normmax-5", 0.01, PostTransform.Tanh },
        { "normmax-5", 100, PostTransform.L2 },
        { "ksubsets-3", 1, PostTransform.Identity },
        { "ksubsets-3", 0.01, PostTransform.LayerNorm },
        { "seq-ksubsets-2", 1, PostTransform.Identity },
        { "seq-ksubsets-2", 100, PostTransform.Tanh },
    };

    [Theory]
    [MemberData(nameof(SmallBankCases))]
    public async Task Distributed_EqualsSingleNode_OnSmallBank(string map, double beta, PostTransform post)
    {
        var spec = new BankSpec("small", 3000, 16, BankSourceKind.Gaussian, Seed: 7);
        await fixture.Cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
        var bank = BankSources.Load(spec);
        var rows = new long[] { 5, 1234, 2999 };
        var queries = EngineTestData.NoisyQueries(spec, rows, 0.5, seed: 11);
        var options = new RetrievalOptions(Parse(map), beta, Steps: 3, Post: post);

        var got = await fixture.Cluster.Engine.RetrieveAsync("small", queries, rows.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(bank, queries, rows.Length, options);

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], Rel, $"{map} β={beta} {post} query {b}");
        // One scoring round per step plus the final evaluation, which a batch whose every query ends its last step at a
        // fixed point does without (RetrievalDriver's FinishAtFixedPoint).
        Assert.True(got.Stats.RoundTrips >= options.Steps, "one scoring round per step");
        if (options.Map.Kind == MapKind.Softmax) Assert.InRange(got.Stats.RoundTrips, options.Steps, options.Steps + 1);
        Assert.True(got.Stats.BytesMoved > 0);
    }

    public static TheoryData<string, double, PostTransform> TightCapCases => new()
    {
        { "entmax-1.5", 0.01, PostTransform.Identity },
        { "entmax-2", 1, PostTransform.L2 },
        { "entmax-3", 0.01, PostTransform.Tanh },
        { "normmax-2", 0.01, PostTransform.LayerNorm },
        { "normmax-5", 1, PostTransform.Identity },
        { "ksubsets-3", 0.01, PostTransform.Tanh },
        { "seq-ksubsets-2", 10, PostTransform.L2 },
        { "seq-ksubsets-2", 1, PostTransform.LayerNorm },
        { "softmax", 0.01, PostTransform.Tanh },
    };

    /// <summary>
    /// Caps of 4 candidates and no shipped rows force the multi-round paths: probe rounds with the threshold
    /// search (dense regimes), gather rounds (sequential k-subsets) and explicit readouts.
    /// </summary>
    [Theory]
    [MemberData(nameof(TightCapCases))]
    public async Task Distributed_EqualsSingleNode_WhenCandidateListsAreTruncated(string map, double beta, PostTransform post)
    {
        var settings = new Hfy.Actors.Retrieval.RetrievalSettings { CandidateCap = 4, RowCap = 0, MaxSupportPairs = 100_000, RequestTimeout = TimeSpan.FromSeconds(60) };
        await using var engine = new ClusterEngine(fixture.Cluster.Coordinator, fixture.Cluster.Region, new ClusterEngineOptions { Retrieval = settings });
        var spec = new BankSpec("tight", 2000, 12, BankSourceKind.Sphere, Seed: 3);
        await engine.CreateBankAsync(spec, CancellationToken.None);
        var bank = BankSources.Load(spec);
        var rows = new long[] { 0, 999, 1500, 1999 };
        var queries = EngineTestData.NoisyQueries(spec, rows, 0.05, seed: 5);
        var options = new RetrievalOptions(Parse(map), beta, Steps: 2, Post: post);

        var got = await engine.RetrieveAsync("tight", queries, rows.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(bank, queries, rows.Length, options);

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], Rel, $"{map} β={beta} {post} query {b}");
        if (options.Map.Kind == MapKind.Softmax) Assert.Equal(options.Steps + 1, got.Stats.RoundTrips);
        else Assert.True(got.Stats.RoundTrips > options.Steps + 1, $"truncated lists need more than one round per step (got {got.Stats.RoundTrips})");
    }

    public static TheoryData<string, double, PostTransform, int> StreamedCases => new()
    {
        { "softmax", 1, PostTransform.L2, 256 },
        { "softmax", 0.01, PostTransform.Identity, 4 },
        { "entmax-1.5", 100, PostTransform.LayerNorm, 256 },
        { "entmax-2", 0.01, PostTransform.Identity, 4 },
        { "normmax-2", 1, PostTransform.Tanh, 4 },
        { "ksubsets-3", 1, PostTransform.Identity, 256 },
        { "seq-ksubsets-2", 10, PostTransform.L2, 4 },
    };

    /// <summary>
    /// Procedural partitions (storage kind procedural: nothing stored, every round a pass over regenerated rows) give
    /// the single-node answer on the materialized bank, with caps wide and tight (probes, gathers, counts as passes).
    /// </summary>
    [Theory]
    [MemberData(nameof(StreamedCases))]
    public async Task Distributed_OverProceduralPartitions_EqualsSingleNodeOnTheMaterializedBank(string map, double beta, PostTransform post, int cap)
    {
        var settings = new Hfy.Actors.Retrieval.RetrievalSettings { CandidateCap = cap, RowCap = 0, MaxSupportPairs = 100_000, RequestTimeout = TimeSpan.FromSeconds(60) };
        await using var engine = new ClusterEngine(fixture.Cluster.Coordinator, fixture.Cluster.Region, new ClusterEngineOptions { Retrieval = settings });
        var materialized = new BankSpec("streamed", 2500, 12, BankSourceKind.Sphere, Seed: 13);
        var spec = materialized with { Storage = BankStorage.Procedural };
        await engine.CreateBankAsync(spec, CancellationToken.None);
        var bank = BankSources.Load(materialized);
        var rows = new long[] { 0, 1249, 2499 };
        var queries = EngineTestData.NoisyQueries(materialized, rows, 0.05, seed: 4);
        var options = new RetrievalOptions(Parse(map), beta, Steps: 2, Post: post);

        var got = await engine.RetrieveAsync("streamed", queries, rows.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(bank, queries, rows.Length, options);

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], Rel, $"{map} β={beta} {post} cap {cap} query {b}");
        await engine.DropBankAsync("streamed", CancellationToken.None);
    }

    public static TheoryData<string, double, PostTransform> LargeBankCases => new()
    {
        { "softmax", 0.01, PostTransform.Identity },
        { "entmax-1.5", 0.01, PostTransform.L2 },
        { "entmax-2", 1, PostTransform.Identity },
        { "normmax-2", 100, PostTransform.LayerNorm },
        { "ksubsets-3", 1, PostTransform.Tanh },
        { "seq-ksubsets-2", 100, PostTransform.Identity },
    };

    [Theory]
    [MemberData(nameof(LargeBankCases))]
    public async Task Distributed_EqualsSingleNode_OnHundredThousandRows(string map, double beta, PostTransform post)
    {
        var spec = new BankSpec("large", 100_000, 16, BankSourceKind.Gaussian, Seed: 42);
        await fixture.Cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
        var bank = LargeBank.Value;
        var rows = new long[] { 17, 54_321 };
        var queries = EngineTestData.NoisyQueries(spec, rows, 0.3, seed: 9);
        var options = new RetrievalOptions(Parse(map), beta, Steps: 2, Post: post);

        var got = await fixture.Cluster.Engine.RetrieveAsync("large", queries, rows.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(bank, queries, rows.Length, options);

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], Rel, $"{map} β={beta} {post} query {b}");
    }

    public static TheoryData<string> DenseCases => new() { "entmax-1.5", "entmax-2", "entmax-3", "normmax-2", "normmax-5", "ksubsets-3" };

    /// <summary>
    /// β = 0.01 on 100k rows: every row lies inside every map's support bound, so every partition's candidate
    /// list is cut. Maps whose support still fits in the union of the lists are solved exactly on it (no probe
    /// round; one more round only for rows that did not come along); wider supports take probe rounds inside the
    /// bracket the union gives, within the budget of 6 rounds per step.
    /// </summary>
    [Theory]
    [MemberData(nameof(DenseCases))]
    public async Task Distributed_DenseRegime_SolvesOnTruncatedListsOrProbesWithinSixRounds(string map)
    {
        var spec = new BankSpec("large", 100_000, 16, BankSourceKind.Gaussian, Seed: 42);
        await fixture.Cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
        var bank = LargeBank.Value;
        var rows = new long[] { 17, 54_321, 99_999 };
        var queries = EngineTestData.NoisyQueries(spec, rows, 0.3, seed: 9);
        var options = new RetrievalOptions(Parse(map), 0.01, Steps: 3);

        var got = await fixture.Cluster.Engine.RetrieveAsync("large", queries, rows.Length, options, CancellationToken.None);

        // The batched single-node kernel scores with the same float32 microkernel as the partitions. (Scorer.Score,
        // the per-query path, can differ from it by an ulp, and γ = 5 weights d^{1/4} of rows a few ulps above τ
        // turn an ulp of θ into ~1e-4 of p: a float32 effect of the scores, not of the protocol.)
        var want = HfyDynamics.RunBatch(bank, queries, rows.Length, options);

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], Rel, $"{map} β=0.01 query {b}");
        Assert.Equal(options.Steps + 1, got.Stats.Evaluations);
        // A support smaller than one partition's list lies inside every list, and each list's floor outside the support.
        var widest = want.Max(r => r.Ids.Length);
        if (widest < new Hfy.Actors.Retrieval.RetrievalSettings().CandidateCap)
        {
            Assert.Equal(0, got.Stats.ProbeRounds);
            Assert.True(got.Stats.RoundTripsPerStep <= 2, $"{map}: support ≤ {widest} fits the truncated lists: {got.Stats.RoundTripsPerStep} rounds per step");
        }

        Assert.True(got.Stats.RoundTripsPerStep <= 6, $"{map}: {got.Stats.RoundTripsPerStep} rounds per step (probe {got.Stats.ProbeRounds}, readout {got.Stats.ReadoutRounds})");
    }

    private static readonly Lazy<Bank> LargeBank = new(() => BankSources.Load(new BankSpec("large", 100_000, 16, BankSourceKind.Gaussian, Seed: 42)));

    internal static MapSpec Parse(string map) => map switch
    {
        "softmax" => MapSpec.Softmax,
        "entmax-1.5" => MapSpec.Entmax(1.5),
        "entmax-2" => MapSpec.Entmax(2),
        "entmax-3" => MapSpec.Entmax(3),
        "normmax-2" => MapSpec.Normmax(2),
        "normmax-5" => MapSpec.Normmax(5),
        "ksubsets-3" => MapSpec.KSubsets(3),
        "seq-ksubsets-2" => MapSpec.SeqKSubsets(2, 1.0),
        _ => throw new ArgumentException(map, nameof(map)),
    };
}
