using Hfy.Experiments;

namespace Hfy.Coordinator.Tests.Experiments;

public class RecallValidationTests
{
    private const string Free = """
        {
          "name": "f", "kind": "free-recall",
          "bank": { "source": "gaussian", "seed": 1, "dim": 64 },
          "grid": { "sizes": [16, 128], "maps": [ { "name": "csparsemax" }, { "name": "entmax", "alpha": 1.5 } ],
                    "betas": [0.1, 1], "steps": 5, "repeats": 3 },
          "recall": { "lambda": 1e8, "rho": 0.001, "start": 0 }
        }
        """;

    private const string Sequential = """
        {
          "name": "s", "kind": "sequential-recall",
          "bank": { "source": "gaussian", "seed": 1, "dim": 64 },
          "grid": { "sizes": [16, 128], "maps": [ { "name": "sparsemax" } ], "betas": [0.1], "steps": 5 },
          "recall": { "w": 1e8, "start": 4, "count": 10 }
        }
        """;

    private static IReadOnlyList<SpecError> Check(string json, SpecLimits? limits = null)
        => SpecValidator.ParseAndValidate(json, limits ?? SpecLimits.Default).Errors;

    private static string With(string spec, string find, string replace)
    {
        Assert.Contains(find, spec, StringComparison.Ordinal);
        return spec.Replace(find, replace, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidRecallSpecs_HaveNoErrors()
    {
        Assert.Empty(Check(Free));
        Assert.Empty(Check(Sequential));
    }

    [Theory]
    [InlineData("{ \"name\": \"csparsemax\" }", "{ \"name\": \"normmax\" }", "grid.maps[0].name", "free-recall runs csparsemax (constrained sparsemax) or penalized softmax, entmax, sparsemax (got 'normmax')")]
    [InlineData("{ \"name\": \"csparsemax\" }", "{ \"name\": \"csparsemax\", \"k\": 2 }", "grid.maps[0].k", "is not a parameter of csparsemax in free-recall")]
    [InlineData("\"alpha\": 1.5", "\"alpha\": 0.5", "grid.maps[1].alpha", "α must be ≥ 1 and finite (got 0.5)")]
    [InlineData("{ \"name\": \"entmax\", \"alpha\": 1.5 }", "{ \"name\": \"sparsemax\", \"alpha\": 1.5 }", "grid.maps[1].alpha", "is not a parameter of sparsemax")]
    [InlineData("{ \"name\": \"entmax\", \"alpha\": 1.5 }", "{ \"name\": \"csparsemax\" }", "grid.maps[1]", "duplicates grid.maps[0] (csparsemax)")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"posts\": [\"identity\", \"l2\"]", "grid.posts[1]", "free-recall has no post-transformation; use identity (got 'l2')")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"noise\": [0.1]", "grid.noise[0]", "free-recall starts from a stored pattern, without noise; use [0] (got 0.1)")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"mask\": 0.5", "grid.mask", "is not used by free-recall; must be 0 (got 0.5)")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"clip\": [-1, 1]", "grid.clip", "is not used by free-recall")]
    [InlineData("\"name\": \"f\",", "\"name\": \"f\", \"tol\": 1e-6,", "tol", "runs exactly T = grid.steps updates per recalled memory; must be 0 (got 1E-06)")]
    [InlineData("\"lambda\": 1e8", "\"lambda\": -1", "recall.lambda", "λ must be finite and ≥ 0 (got -1)")]
    [InlineData("\"lambda\": 1e8", "\"lambda\": \"Infinity\"", "recall.lambda", "λ must be finite and ≥ 0 (got Infinity)")]
    [InlineData("\"rho\": 0.001", "\"rho\": 0", "recall.rho", "ρ must be in (0, 1] (got 0)")]
    [InlineData("\"rho\": 0.001", "\"rho\": 1.5", "recall.rho", "ρ must be in (0, 1] (got 1.5)")]
    [InlineData("\"start\": 0", "\"start\": 0, \"w\": 5", "recall.w", "only sequential-recall uses the pair bonus w")]
    [InlineData("\"start\": 0", "\"start\": -1", "recall.start", "must be ≥ 0 (got -1)")]
    [InlineData("\"start\": 0", "\"start\": 16", "recall.start", "0 ≤ start < the smallest N (16) (got 16)")]
    [InlineData("\"start\": 0", "\"start\": 0, \"count\": 0", "recall.count", "must be ≥ 1 (got 0)")]
    [InlineData("\"start\": 0", "\"start\": 0, \"count\": 17", "recall.count", "must be ≤ the smallest N (16) (got 17)")]
    public void EachFreeRecallRule_NamesItsFieldAndLimit(string find, string replace, string path, string message)
    {
        var e = Assert.Single(Check(With(Free, find, replace)));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"name\": \"sparsemax\" }", "{ \"name\": \"csparsemax\" }", "grid.maps[0].name", "sequential-recall refines with softmax, entmax or sparsemax updates (got 'csparsemax')")]
    [InlineData("{ \"name\": \"sparsemax\" }", "{ \"name\": \"seq-ksubsets\", \"k\": 2 }", "grid.maps[0].name", "(got 'seq-ksubsets')")]
    [InlineData("\"sizes\": [16, 128]", "\"sizes\": [1, 128]", "grid.sizes[0]", "sequential-recall needs N ≥ 2 (got 1)")]
    [InlineData("\"w\": 1e8", "\"w\": \"NaN\"", "recall.w", "must be finite (got NaN)")]
    [InlineData("\"count\": 10", "\"count\": 13", "recall.count", "must be ≤ the smallest N − start (12): the stored order has no memory after the last (got 13)")]
    public void EachSequentialRecallRule_NamesItsFieldAndLimit(string find, string replace, string path, string message)
    {
        var e = Assert.Single(Check(With(Sequential, find, replace)));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SizeBeyondTheRecallLimit_IsReportedWithTheLimit()
    {
        var e = Assert.Single(Check(Free, new SpecLimits(MaxRecallRows: 100)));
        Assert.Equal("grid.sizes[1]", e.Path);
        Assert.Equal("N = 128 is beyond the recall limit of 100 rows (a free-recall cell runs O(N²·D·T) on one node)", e.Message);
    }

    [Fact]
    public void RecallSection_InAnotherKind_IsRejected()
    {
        var spec = With(Free, "\"kind\": \"free-recall\"", "\"kind\": \"capacity\"").Replace("{ \"name\": \"csparsemax\" }, ", "", StringComparison.Ordinal);
        var e = Assert.Single(Check(spec));
        Assert.Equal("recall", e.Path);
        Assert.Equal("only free-recall and sequential-recall take recall parameters (kind is 'capacity')", e.Message);
    }

    [Fact]
    public void CsparsemaxInACapacitySpec_IsAnUnknownMap()
    {
        var spec = With(Free, "\"kind\": \"free-recall\"", "\"kind\": \"capacity\"").Replace(",\n  \"recall\": { \"lambda\": 1e8, \"rho\": 0.001, \"start\": 0 }", "", StringComparison.Ordinal);
        var e = Assert.Single(Check(spec));
        Assert.Equal("grid.maps[0].name", e.Path);
        Assert.Contains("unknown map 'csparsemax'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRecallProblem_IsListed()
    {
        var spec = With(With(Free, "\"rho\": 0.001", "\"rho\": 0"), "\"steps\": 5", "\"steps\": 5, \"noise\": [0.1], \"mask\": 0.5");
        Assert.Equal(["grid.noise[0]", "grid.mask", "recall.rho"], Check(spec).Select(e => e.Path));
    }
}
