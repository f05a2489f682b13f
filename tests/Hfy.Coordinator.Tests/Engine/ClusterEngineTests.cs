using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
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
        Assert.True(got.Stats.RoundTrips >= options.Steps + 1, "one scoring round per step plus the final evaluation");
        Assert.True(got.Stats.BytesMoved > 0);
    }

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
