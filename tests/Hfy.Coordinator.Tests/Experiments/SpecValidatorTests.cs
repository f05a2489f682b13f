using Hfy.Experiments;

namespace Hfy.Coordinator.Tests.Experiments;

public class SpecValidatorTests
{
    private const string Valid = """
        {
          "name": "t", "kind": "capacity",
          "bank": { "source": "sphere", "seed": 1, "dim": 16 },
          "grid": { "sizes": [100, 1000], "maps": [ { "name": "softmax" }, { "name": "entmax", "alpha": 1.5 },
                    { "name": "normmax", "gamma": 2 }, { "name": "classical" } ],
                    "betas": [1, 10], "posts": ["identity", "l2"], "noise": [0, 0.1], "steps": 5, "repeats": 2 },
          "success": { "criterion": "exact" }
        }
        """;

    private static IReadOnlyList<SpecError> Check(string json, SpecLimits? limits = null)
        => SpecValidator.ParseAndValidate(json, limits ?? SpecLimits.Default).Errors;

    private static string With(string find, string replace)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        return Valid.Replace(find, replace, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidSpec_HasNoErrors() => Assert.Empty(Check(Valid));

    [Fact]
    public void KSubsets_WithARealBudget_IsValid() =>
        Assert.Empty(Check(With("{ \"name\": \"classical\" }", "{ \"name\": \"ksubsets\", \"k\": 1.5 }")));

    [Theory]
    [InlineData("\"kind\": \"capacity\"", "\"kind\": \"capacityy\"", "kind", "must be one of")]
    [InlineData("{ \"name\": \"softmax\" }", "{ \"name\": \"hardmax\" }", "grid.maps[0].name", "unknown map 'hardmax'")]
    [InlineData("\"alpha\": 1.5", "\"alpha\": 0.5", "grid.maps[1].alpha", "α must be ≥ 1")]
    [InlineData("\"gamma\": 2", "\"gamma\": 1", "grid.maps[2].gamma", "γ must be > 1")]
    [InlineData("\"gamma\": 2", "\"gamma\": \"NaN\"", "grid.maps[2].gamma", "γ must be > 1 and finite (got NaN)")]
    [InlineData("\"betas\": [1, 10]", "\"betas\": [1, \"NaN\"]", "grid.betas[1]", "must be > 0 and finite (got NaN)")]
    [InlineData("\"betas\": [1, 10]", "\"betas\": [0]", "grid.betas[0]", "must be > 0 and finite")]
    [InlineData("\"sizes\": [100, 1000]", "\"sizes\": []", "grid.sizes", "empty grid")]
    [InlineData("\"sizes\": [100, 1000]", "\"sizes\": [0]", "grid.sizes[0]", "must be ≥ 1")]
    [InlineData("\"sizes\": [100, 1000]", "\"sizes\": [100, 100]", "grid.sizes[1]", "duplicates")]
    [InlineData("\"maps\": [ { \"name\": \"softmax\" }, { \"name\": \"entmax\", \"alpha\": 1.5 },", "\"maps\": [ { \"name\": \"softmax\" }, { \"name\": \"entmax\", \"alpha\": 1 },", "grid.maps[1]", "duplicates grid.maps[0] (softmax)")]
    [InlineData("\"repeats\": 2", "\"repeats\": 0", "grid.repeats", "must be ≥ 1")]
    [InlineData("\"steps\": 5", "\"steps\": -1", "grid.steps", "T must be ≥ 0")]
    [InlineData("\"noise\": [0, 0.1]", "\"noise\": [-0.1]", "grid.noise[0]", "σ must be finite and ≥ 0")]
    [InlineData("\"noise\": [0, 0.1]", "\"noise\": []", "grid.noise", "empty grid")]
    [InlineData("\"posts\": [\"identity\", \"l2\"]", "\"posts\": [\"identity\", \"l3\"]", "grid.posts[1]", "must be identity, l2, layernorm or tanh")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"mask\": 1.0", "grid.mask", "must be in [0, 1)")]
    [InlineData("\"steps\": 5", "\"steps\": 5, \"clip\": [1, -1]", "grid.clip", "lo < hi")]
    [InlineData("\"criterion\": \"exact\"", "\"criterion\": \"close\"", "success.criterion", "must be exact or cosine")]
    [InlineData("\"criterion\": \"exact\"", "\"criterion\": \"cosine\", \"threshold\": 2", "success.threshold", "must be in (−1, 1]")]
    [InlineData("\"dim\": 16", "\"dim\": 0", "bank.dim", "must be ≥ 1")]
    [InlineData("\"dim\": 16", "\"seed\": 2", "bank.dim", "is required for the sphere generator")]
    [InlineData("\"source\": \"sphere\"", "\"source\": \"sphre\"", "bank.source", "must be one of")]
    [InlineData("{ \"name\": \"classical\" }", "{ \"name\": \"dam-poly\", \"n\": 0 }", "grid.maps[3].n", "degree n must be ≥ 1")]
    [InlineData("{ \"name\": \"classical\" }", "{ \"name\": \"dam-exp\", \"betaIn\": -1 }", "grid.maps[3].betaIn", "β_in must be finite and > 0")]
    [InlineData("{ \"name\": \"classical\" }", "{ \"name\": \"ksubsets\", \"k\": 0 }", "grid.maps[3].k", "k must be a finite number > 0 (got 0)")]
    [InlineData("{ \"name\": \"classical\" }", "{ \"name\": \"ksubsets\", \"k\": 500 }", "grid.maps[3].k", "k must be ≤ the smallest N (100)")]
    [InlineData("{ \"name\": \"softmax\" }", "{ \"name\": \"softmax\", \"alpha\": 2 }", "grid.maps[0].alpha", "is not a parameter of softmax")]
    public void EachRule_NamesItsFieldPath(string find, string replace, string path, string message)
    {
        var errors = Check(With(find, replace));
        var e = Assert.Single(errors);
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ": ", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryBeyondBudget_IsReportedWithBytes()
    {
        // 1000 rows × 16 × 4 bytes = 64000 bytes > a 50000-byte budget; 100 rows fit.
        var e = Assert.Single(Check(Valid, new SpecLimits(MemoryBudgetBytes: 50_000)));
        Assert.Equal("grid.sizes[1]", e.Path);
        Assert.Contains("62.50 KiB, over the memory budget of 48.83 KiB", e.Message, StringComparison.Ordinal);
        Assert.Contains("use storage procedural", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProceduralStorage_AdmitsBanksBeyondMemoryAndTheResidentRowLimit_HalfHalvesTheBytes()
    {
        var streamed = With("\"dim\": 16 }", "\"dim\": 16, \"storage\": \"procedural\", \"generator\": \"vector\" }")
            .Replace("\"sizes\": [100, 1000]", "\"sizes\": [100, 1000000000]", StringComparison.Ordinal)
            .Replace(", { \"name\": \"classical\" }", "", StringComparison.Ordinal);
        Assert.Empty(Check(streamed, new SpecLimits(MaxRows: 500, MemoryBudgetBytes: 50_000)));
        // float16: 1000 × 16 × 2 = 32000 bytes fit a 50000-byte budget that float32 (64000) does not.
        Assert.Empty(Check(With("\"dim\": 16 }", "\"dim\": 16, \"storage\": \"half\" }"), new SpecLimits(MemoryBudgetBytes: 50_000)));
        var e = Assert.Single(Check(With("\"dim\": 16 }", "\"dim\": 16, \"storage\": \"mapped\" }")));
        Assert.Equal("bank.storage", e.Path);
        Assert.Contains("mapped needs an .npy source", e.Message, StringComparison.Ordinal);
        var g = Assert.Single(Check(With("\"dim\": 16 }", "\"dim\": 16, \"generator\": \"philox\" }")));
        Assert.Equal("bank.generator", g.Path);
    }

    [Theory]
    [InlineData("\"storage\": \"mapped\"", "bank.storage", "mapped needs an .npy source, not sphere")]
    [InlineData("\"storage\": \"tape\"", "bank.storage", "must be one of")]
    [InlineData("\"generator\": \"philox\"", "bank.generator", "must be legacy or vector (got 'philox')")]
    public void BankSection_IsCheckedAlikeForGridAndExponentialKinds(string field, string path, string message)
    {
        var grid = Check(With("\"dim\": 16 }", "\"dim\": 16, " + field + " }"));
        var exponential = Exponential("\"seed\": 11 }", "\"seed\": 11, " + field + " }");
        foreach (var errors in new[] { grid, exponential })
        {
            var e = Assert.Single(errors);
            Assert.Equal(path, e.Path);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BitsStorage_OfABinaryBank_IsRefusedOnlyWhereRowsAreNormalized()
    {
        // Grid kinds store the ±1 rows as they are; the exponential kind ℓ2-normalizes its generated rows.
        var binary = With("\"source\": \"sphere\", \"seed\": 1, \"dim\": 16 }", "\"source\": \"binary\", \"seed\": 1, \"dim\": 16, \"storage\": \"bits\" }")
            .Replace("\"posts\": [\"identity\", \"l2\"]", "\"posts\": [\"identity\"]", StringComparison.Ordinal);
        Assert.DoesNotContain(Check(binary), e => e.Path == "bank.storage");
        var e = Assert.Single(Exponential("\"source\": \"sphere\", \"seed\": 11 }", "\"source\": \"binary\", \"seed\": 11, \"storage\": \"bits\" }"));
        Assert.Equal("bank.storage", e.Path);
        Assert.Contains("bits needs a binary (±1) source without normalization", e.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<SpecError> Exponential(string find, string replace)
    {
        Assert.Contains(find, ExponentialExperimentTests.Small, StringComparison.Ordinal);
        return SpecValidator.Validate(ExperimentSpec.Parse(ExponentialExperimentTests.Small.Replace(find, replace, StringComparison.Ordinal)), SpecLimits.Default);
    }

    [Fact]
    public void SizeBeyondTheRowLimit_IsReported()
    {
        var e = Assert.Single(Check(Valid, new SpecLimits(MaxRows: 500)));
        Assert.Equal("grid.sizes[1]", e.Path);
        Assert.Contains("N = 1000 is beyond the configured limit of 500 rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyCells_IsReported()
    {
        // 2 sizes × 2 repeats × 4 maps × 2 β × 2 posts × 2 σ = 128 cells.
        var e = Assert.Single(Check(Valid, new SpecLimits(MaxCells: 100)));
        Assert.Equal("grid", e.Path);
        Assert.Contains("128 cells", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BaselineBeyondItsLimit_IsReported()
    {
        var e = Assert.Single(Check(Valid, new SpecLimits(MaxBaselineRows: 500)));
        Assert.Equal("grid.maps[3]", e.Path);
        Assert.Contains("classical baseline", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblem_IsListed_NotJustTheFirst()
    {
        var json = Valid.Replace("\"alpha\": 1.5", "\"alpha\": 0.2", StringComparison.Ordinal)
            .Replace("\"gamma\": 2", "\"gamma\": 0.5", StringComparison.Ordinal)
            .Replace("\"repeats\": 2", "\"repeats\": 0", StringComparison.Ordinal)
            .Replace("\"betas\": [1, 10]", "\"betas\": []", StringComparison.Ordinal);
        var paths = Check(json).Select(e => e.Path).ToArray();
        Assert.Equal(["grid.maps[1].alpha", "grid.maps[2].gamma", "grid.betas", "grid.repeats"], paths);
    }

    [Fact]
    public void MissingIdxDataset_SaysHowToInstallIt()
    {
        var json = Valid.Replace("\"source\": \"sphere\", \"seed\": 1, \"dim\": 16", "\"source\": \"idx\", \"path\": \"/nonexistent/fashion-mnist/train-images-idx3-ubyte.gz\"", StringComparison.Ordinal);
        var e = Assert.Single(Check(json));
        Assert.Equal("bank.path", e.Path);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_GivesOneErrorAtThePath()
    {
        var e = Assert.Single(Check(Valid.Replace("\"steps\": 5", "\"steps\": \"five\"", StringComparison.Ordinal)));
        Assert.Equal("grid.steps", e.Path);
        Assert.StartsWith("expected an integer", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownField_IsRejected()
    {
        var e = Assert.Single(Check(Valid.Replace("\"steps\": 5", "\"stepz\": 5", StringComparison.Ordinal)));
        Assert.Contains("stepz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdxFile_ShapeIsReadFromItsHeader()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "tiny-idx3-ubyte");
        // magic 0x00000803 (ubyte, 3 dims), 5 images of 2 × 3.
        var bytes = new List<byte> { 0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3 };
        bytes.AddRange(Enumerable.Range(0, 30).Select(i => (byte)(i * 8)));
        File.WriteAllBytes(path, bytes.ToArray());
        var json = Valid.Replace("\"source\": \"sphere\", \"seed\": 1, \"dim\": 16", $"\"source\": \"idx\", \"path\": \"{path}\"", StringComparison.Ordinal);
        var errors = Check(json);
        // N = 100 and 1000 are more than the 5 images; D = 6 is read from the header.
        Assert.Equal(["grid.sizes[0]", "grid.sizes[1]"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.Contains("more than the 5 patterns", e.Message, StringComparison.Ordinal));
        Assert.Equal((5L, 6), Hfy.Kernels.Storage.BankSources.FileShape(Hfy.Kernels.Storage.BankSourceKind.Idx, path));
    }
}
