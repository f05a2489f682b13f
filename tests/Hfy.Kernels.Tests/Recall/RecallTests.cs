using Hfy.Kernels.Recall;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Recall;

public class RecallTests
{
    private static Bank Gaussian(int n, int dim, ulong seed)
    {
        var data = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, seed, dim, 0, data);
        return new Bank(data, n, dim);
    }

    [Fact]
    public void FreeRecall_ConstrainedSparsemax_RecallsEachOf128PatternsOnce()
    {
        // 128 i.i.d. N(0,1) patterns in D = 512 (‖x‖² ≈ 512), β = 0.1, T = 5 (docs/math.md §5 settings).
        var bank = Gaussian(128, 512, seed: 1);
        var result = FreeRecall.ConstrainedSparsemax(bank, new RecallOptions(Beta: 0.1, Steps: 5));
        Assert.Equal(128, result.Order.Length);
        Assert.Equal(1.0, result.UniqueRatio);
        Assert.Equal(Enumerable.Range(0, 128), result.Order.Order());
        Assert.Equal(0, result.Order[0]);
    }

    [Fact]
    public void FreeRecall_Penalized_RecallsDistinctMemories()
    {
        var bank = Gaussian(64, 512, seed: 2);
        var result = FreeRecall.Penalized(bank, new RecallOptions(Beta: 0.1, Steps: 5, Alpha: 2, Lambda: 1e8, Rho: 0.001));
        Assert.Equal(64, result.Order.Length);
        // The penalty steers away from recalled memories; plain updates may fall back to one, so only a high ratio is guaranteed.
        Assert.True(result.UniqueRatio >= 0.9, $"unique ratio {result.UniqueRatio}");
    }

    [Fact]
    public void SequentialRecall_OfPatternsStoredInOrder_RecallsThemInOrder()
    {
        // docs/math.md §5 settings: w = 1e8, λ = 1e8, ρ = 0.001, T = 5, β = 0.1, sparsemax updates;
        // 128 N(0,1) patterns in D = 512 (‖x‖² ≈ 512, cross products ≈ ±23), so a single pattern is an exact
        // sparsemax fixed point at β = 0.1 and the best adjacent pair is the current memory and its successor.
        var bank = Gaussian(128, 512, seed: 3);
        var result = SequentialRecall.Run(bank, new RecallOptions(Beta: 0.1, Steps: 5, Alpha: 2, Lambda: 1e8, Rho: 0.001, W: 1e8));
        Assert.NotNull(result.LevenshteinCoefficient);
        Assert.True(result.LevenshteinCoefficient >= 0.95, $"Levenshtein coefficient {result.LevenshteinCoefficient}: {string.Join(",", result.Order)}");
        Assert.Equal(1.0, result.UniqueRatio);
    }

    [Fact]
    public void SequentialRecall_FromAMiddleCue_ContinuesForward()
    {
        var bank = Gaussian(40, 512, seed: 4);
        var result = SequentialRecall.Run(bank, new RecallOptions(Beta: 0.1, Start: 10, Count: 20));
        Assert.Equal(Enumerable.Range(10, 20), result.Order);
        Assert.Equal(1.0, result.LevenshteinCoefficient);
    }

    [Fact]
    public void Metrics_MatchHandComputedValues()
    {
        Assert.Equal(0.75, RecallMetrics.UniqueMemoryRatio([3, 1, 3, 2]));
        Assert.Equal(3, RecallMetrics.Levenshtein([1, 2, 3], [4, 5, 6]));
        Assert.Equal(1, RecallMetrics.Levenshtein([0, 2, 3], [0, 1, 2, 3]));
        Assert.Equal(2, RecallMetrics.Levenshtein([1, 0, 2, 3], [0, 1, 2, 3]));
        Assert.Equal(0.5, RecallMetrics.LevenshteinCoefficient([1, 0, 2, 3]));
        Assert.Equal(1.0, RecallMetrics.LevenshteinCoefficient([0, 1, 2, 3]));
    }

    [Fact]
    public void BadOptions_AreRejected_NamingTheField()
    {
        var bank = Gaussian(4, 8, seed: 5);
        var ex = Assert.Throws<ArgumentException>(() => FreeRecall.ConstrainedSparsemax(bank, new RecallOptions(Beta: -1)));
        Assert.StartsWith("beta:", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SequentialRecall.Run(bank, new RecallOptions(Beta: 1, Rho: 0)));
        Assert.StartsWith("rho:", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => FreeRecall.Penalized(bank, new RecallOptions(Beta: 1, Start: 9)));
        Assert.StartsWith("start:", ex.Message);
    }
}
