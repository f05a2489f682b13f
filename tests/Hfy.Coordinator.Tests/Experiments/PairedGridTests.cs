using Hfy.Experiments;
using Hfy.Kernels.Dynamics;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>Grids that pair β with the post-transformation and posts with the map (the published image protocol).</summary>
public class PairedGridTests
{
    private const string Paired = """
        {
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 1, "dim": 16 },
          "baselineUpdate": "published",
          "grid": {
            "sizes": [10, 100],
            "maps": [ { "name": "classical", "posts": ["tanh"] }, { "name": "dam-exp", "betaIn": 0.05, "posts": ["tanh"] },
                      { "name": "sparsemax" }, { "name": "normmax", "gamma": 2 } ],
            "betas": [100], "postBetas": { "l2": [20] }, "posts": ["identity", "l2", "layernorm"],
            "noise": [0, 0.5], "repeats": 2
          }
        }
        """;

    private static IReadOnlyList<SpecError> Check(string json) => SpecValidator.ParseAndValidate(json, SpecLimits.Default).Errors;

    [Fact]
    public void BaselinesRunWithTanhOnly_AndL2WithItsOwnBeta()
    {
        var spec = ExperimentSpec.Parse(Paired);
        Assert.Empty(SpecValidator.Validate(spec, SpecLimits.Default));
        var cells = GridExpansion.Expand(spec);
        // Per bank: 2 baselines × tanh + 2 maps × 3 posts, each at one β, × 2 σ.
        Assert.Equal(2 * 2 * (2 + 2 * 3) * 2, cells.Count);
        Assert.Equal(cells.Count, GridExpansion.Count(spec));
        Assert.Equal(cells.Count, cells.Select(c => c.Key).Distinct().Count());
        Assert.All(cells.Where(c => c.Map.Baseline is not null), c => Assert.Equal((PostTransform.Tanh, 100.0), (c.Post, c.Beta)));
        Assert.All(cells.Where(c => c.Map.Hfy is not null), c =>
        {
            Assert.NotEqual(PostTransform.Tanh, c.Post);
            Assert.Equal(c.Post == PostTransform.L2 ? 20.0 : 100.0, c.Beta);
        });
        Assert.Equal("n=10|map=classical|beta=100|post=tanh|noise=0|r=0", cells[0].Key);
    }

    [Fact]
    public void WithoutPairing_TheOrderAndCountAreTheFullProduct()
    {
        var plain = Paired.Replace("\"postBetas\": { \"l2\": [20] }, ", "", StringComparison.Ordinal)
            .Replace(", \"posts\": [\"tanh\"]", "", StringComparison.Ordinal);
        var spec = ExperimentSpec.Parse(plain);
        var cells = GridExpansion.Expand(spec);
        Assert.Equal(2 * 2 * 4 * 1 * 3 * 2, cells.Count);
        Assert.Equal(cells.Count, GridExpansion.Count(spec));
    }

    [Theory]
    [InlineData("\"postBetas\": { \"l2\": [20] }", "\"postBetas\": { \"l3\": [20] }", "grid.postBetas.l3", "must be named identity, l2, layernorm or tanh")]
    [InlineData("\"postBetas\": { \"l2\": [20] }, \"posts\": [\"identity\", \"l2\", \"layernorm\"]", "\"postBetas\": { \"l2\": [20], \"layernorm\": [5] }, \"posts\": [\"identity\", \"l2\"]", "grid.postBetas.layernorm", "no map runs with layernorm")]
    [InlineData("\"postBetas\": { \"l2\": [20] }", "\"postBetas\": { \"l2\": [] }", "grid.postBetas.l2", "must list at least one β")]
    [InlineData("\"postBetas\": { \"l2\": [20] }", "\"postBetas\": { \"l2\": [20, 0] }", "grid.postBetas.l2[1]", "must be > 0 and finite")]
    [InlineData("\"postBetas\": { \"l2\": [20] }", "\"postBetas\": { \"l2\": [20, 20] }", "grid.postBetas.l2[1]", "duplicates an earlier β")]
    [InlineData("{ \"name\": \"classical\", \"posts\": [\"tanh\"] }", "{ \"name\": \"classical\", \"posts\": [\"tan\"] }", "grid.maps[0].posts[0]", "must be identity, l2, layernorm or tanh")]
    [InlineData("{ \"name\": \"classical\", \"posts\": [\"tanh\"] }", "{ \"name\": \"classical\", \"posts\": [] }", "grid.maps[0].posts", "at least one post-transform")]
    [InlineData("{ \"name\": \"classical\", \"posts\": [\"tanh\"] }", "{ \"name\": \"classical\", \"posts\": [\"tanh\", \"tanh\"] }", "grid.maps[0].posts[1]", "duplicates")]
    [InlineData("\"baselineUpdate\": \"published\"", "\"baselineUpdate\": \"paper\"", "baselineUpdate", "must be published or tanh-after-post")]
    public void EachPairingRule_NamesItsField(string find, string replace, string path, string message)
    {
        Assert.Contains(find, Paired, StringComparison.Ordinal);
        var e = Assert.Single(Check(Paired.Replace(find, replace, StringComparison.Ordinal)));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecallKinds_TakeNoPostsPerMap()
    {
        var json = RecallCellTests.SmallFreeRecall.Replace("{ \"name\": \"csparsemax\" }", "{ \"name\": \"csparsemax\", \"posts\": [\"tanh\"] }", StringComparison.Ordinal);
        Assert.NotEqual(RecallCellTests.SmallFreeRecall, json);
        var e = Assert.Single(Check(json));
        Assert.Equal("grid.maps[0].posts", e.Path);
    }

    [Fact]
    public void FileBankDefaultQueries_BeyondTheLimit_AskForAQueriesValue()
    {
        var spec = ExperimentSpec.Parse(Paired) with { Bank = new BankSourceSpec { Source = "npy", Path = "/nonexistent.npy" } };
        var errors = SpecValidator.Validate(spec, new SpecLimits(MaxQueries: 50));
        Assert.Contains(errors, e => e.Path == "queries" && e.Message.Contains("set queries", StringComparison.Ordinal));
        Assert.DoesNotContain(SpecValidator.Validate(spec with { Queries = 50 }, new SpecLimits(MaxQueries: 50)), e => e.Path == "queries");
    }
}
