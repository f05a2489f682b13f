using Hfy.Actors.Retrieval;
using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>
/// A final support larger than <see cref="RetrievalSettings.MaxSupportPairs"/>: the result lists only the largest
/// weights, and <see cref="RetrievalResult.SupportSize"/> still equals the single-node support |{i : p_i &gt; 0}|.
/// </summary>
public sealed class ClusterSupportSizeTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const int Cap = 8;
    private static readonly BankSpec Spec = new("support-size", 3000, 16, BankSourceKind.Gaussian, Seed: 5);
    private static readonly long[] Targets = [11, 1_500, 2_998];
    private static readonly Lazy<Bank> Bank = new(() => BankSources.Load(Spec));

    /// <param name="map">Map.</param>
    /// <param name="beta">β: 0.01 puts every row in the support (softmax: every partition's smallest score weighs &gt; 0);
    /// 20 spreads the scores over more than the 745 that e^x can span, so some rows weigh exactly 0 (supports 2,999, 1,425, 2,810) and
    /// the coordinator has to count at the partitions (one extra round).</param>
    /// <param name="extraRounds">Rounds beyond one scoring per step and the final evaluation.</param>
    [Theory]
    [InlineData("softmax", 0.01, 0)]
    [InlineData("softmax", 20, 1)]
    [InlineData("entmax-1.5", 0.01, -1)]
    public async Task SupportSize_CountsEveryRowWithPositiveWeight_WhenOnlyTheLargestAreListed(string map, double beta, int extraRounds)
    {
        var settings = new RetrievalSettings { MaxSupportPairs = Cap, RequestTimeout = TimeSpan.FromSeconds(60) };
        await using var engine = new ClusterEngine(fixture.Cluster.Coordinator, fixture.Cluster.Region, new ClusterEngineOptions { PartitionsPerBank = 4, Retrieval = settings });
        await engine.CreateBankAsync(Spec, CancellationToken.None);
        var queries = EngineTestData.NoisyQueries(Spec, Targets, 0.5, seed: 3);
        var options = new RetrievalOptions(ClusterEngineTests.Parse(map), beta, Steps: 2);

        var got = await engine.RetrieveAsync(Spec.Name, queries, Targets.Length, options, CancellationToken.None);
        var want = EngineTestData.Reference(Bank.Value, queries, Targets.Length, options);

        for (var b = 0; b < Targets.Length; b++)
        {
            var (w, g) = (want[b], got.Results[b]);
            Assert.InRange(w.Ids.Length, 4 * Cap + 1, Spec.Rows); // larger than every partition's list together
            Assert.Equal(w.Ids.Length, w.SupportSize);
            Assert.Equal(w.SupportSize, g.SupportSize);
            Assert.Equal(Cap, g.Ids.Length);

            // The listed pairs are the largest weights, with the single-node values.
            var largest = w.Ids.Zip(w.Weights).OrderByDescending(x => x.Second).Take(Cap).OrderBy(x => x.First).ToArray();
            Assert.Equal(largest.Select(x => x.First), g.Ids);
            EngineTestData.AssertClose(largest.Select(x => x.Second).ToArray(), g.Weights, 1e-5, $"{map} β={beta} query {b} largest p");
            EngineTestData.AssertClose(w.Q, g.Q, 1e-5, $"{map} β={beta} query {b} q");
        }

        if (extraRounds >= 0) Assert.Equal(options.Steps + 1 + extraRounds, got.Stats.RoundTrips);
    }
}
