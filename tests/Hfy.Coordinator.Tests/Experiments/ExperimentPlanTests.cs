using Hfy.Experiments;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

public class ExperimentPlanTests
{
    private static ExperimentSpec Spec(string kind, BankSourceSpec bank, string criterion = "exact") => new()
    {
        Kind = kind,
        Bank = bank,
        Grid = new GridSpec { Sizes = [4], Maps = [new MapEntry { Name = "sparsemax" }], Betas = [1.0] },
        Success = new SuccessSpec { Criterion = criterion, Threshold = 0.8 },
    };

    [Theory]
    [InlineData("capacity", ExperimentKind.Capacity)]
    [InlineData(" Metastable ", ExperimentKind.Metastable)]
    [InlineData("free-recall", ExperimentKind.FreeRecall)]
    [InlineData("SEQUENTIAL-RECALL", ExperimentKind.SequentialRecall)]
    public void Plan_ReadsKindNames_OnceAndCaseInsensitively(string name, ExperimentKind kind)
    {
        var plan = ExperimentPlan.Read(Spec(name, new BankSourceSpec { Source = "sphere", Dim = 3, Seed = 7 }));
        Assert.Equal(kind, plan.Kind);
        Assert.Equal(kind, ExperimentNames.ParseKind(kind.Name()));
    }

    [Fact]
    public void Plan_OfEachSource_IsItsOwnCase()
    {
        var gen = ExperimentPlan.Read(Spec("capacity", new BankSourceSpec { Source = "normal", Dim = 3, Seed = 7 }));
        Assert.Equal(new BankPlan.Generated(BankSourceKind.Gaussian, 7, 3), gen.Bank);
        var file = ExperimentPlan.Read(Spec("capacity", new BankSourceSpec { Source = "npy", Path = "/data/x.npy" }, "cosine"));
        Assert.Equal(new BankPlan.File(BankSourceKind.Npy, "/data/x.npy"), file.Bank);
        Assert.Equal(SuccessCriterion.Cosine, file.Criterion);
        Assert.Equal(0.8, file.CosineThreshold);
        var inline = ExperimentPlan.Read(Spec("basins", new BankSourceSpec { Source = "inline", Patterns = [[1, 0], [0, 1]] }));
        Assert.Equal(2, Assert.IsType<BankPlan.Inline>(inline.Bank).Patterns.Length);
    }

    [Fact]
    public void Plan_OfABadSpec_ListsEveryFieldOnce()
    {
        var e = Assert.Throws<SpecValidationException>(() =>
            ExperimentPlan.Of(Spec("capacty", new BankSourceSpec { Source = "spere", Dim = 3 }, "close"), new SpecLimits()));
        var paths = e.Errors.Select(x => x.Path).ToArray();
        Assert.Contains("kind", paths);
        Assert.Contains("bank.source", paths);
        Assert.Contains("success.criterion", paths);
        Assert.Equal(paths.Length, paths.Distinct().Count());
    }

    [Theory]
    [InlineData("gen:sphere:10:3:5", BankSourceKind.Sphere, 10L, 3, 5UL)]
    [InlineData("GEN:normal:2:64", BankSourceKind.Gaussian, 2L, 64, 0UL)]
    [InlineData("gen:binary:1000000000:32:1", BankSourceKind.Binary, 1_000_000_000L, 32, 1UL)]
    public void BankAddress_ParsesGeneratedBanks(string address, BankSourceKind kind, long n, int d, ulong seed)
    {
        var spec = BankAddress.ParseGenerated(address);
        Assert.Equal((kind, n, d, seed), (spec.Source, spec.Rows, spec.Dim, spec.Seed));
    }

    [Theory]
    [InlineData("gen:sphere:10", "gen:KIND:N:D")]
    [InlineData("gen:cube:10:3", "unknown generator 'cube'")]
    [InlineData("gen:sphere:0:3", "N must be an integer ≥ 1")]
    [InlineData("gen:sphere:10:x", "D must be an integer ≥ 1")]
    [InlineData("gen:sphere:10:3:-1", "SEED must be a non-negative integer")]
    public void BankAddress_RefusesMalformedAddresses_NamingTheField(string address, string message)
    {
        var e = Assert.Throws<FormatException>(() => BankAddress.ParseGenerated(address));
        Assert.StartsWith("memories: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
