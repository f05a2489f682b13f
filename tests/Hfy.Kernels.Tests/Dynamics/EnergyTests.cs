using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Dynamics;

public class EnergyTests
{
    public static TheoryData<string> Maps() => new()
    {
        "softmax", "entmax-1.5", "entmax-1.25", "entmax-3", "sparsemax", "normmax-2", "normmax-5", "ksubsets-3", "ksubsets-3-norm", "seq-ksubsets-2-w1",
    };

    internal static MapSpec Parse(string label) => label switch
    {
        "softmax" => MapSpec.Softmax,
        "entmax-1.5" => MapSpec.Entmax(1.5),
        "entmax-1.25" => MapSpec.Entmax(1.25),
        "entmax-3" => MapSpec.Entmax(3),
        "sparsemax" => MapSpec.Sparsemax,
        "normmax-2" => MapSpec.Normmax(2),
        "normmax-5" => MapSpec.Normmax(5),
        "ksubsets-3" => MapSpec.KSubsets(3),
        "ksubsets-3-norm" => MapSpec.KSubsets(3, normalize: true),
        "seq-ksubsets-2-w1" => MapSpec.SeqKSubsets(2, 1.0),
        _ => throw new ArgumentException(label),
    };

    private static void AssertNonIncreasing(double[] energy, string what)
    {
        for (var t = 1; t < energy.Length; t++)
        {
            var slack = 1e-9 * Math.Max(1.0, Math.Abs(energy[t - 1]));
            Assert.True(energy[t] <= energy[t - 1] + slack, $"{what}: E[{t}] = {energy[t]:R} > E[{t - 1}] = {energy[t - 1]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void Energy_AlongIdentityDynamics_NeverIncreases(string map)
    {
        foreach (var (seed, beta) in new[] { (1UL, 0.5), (2UL, 2.0), (3UL, 8.0) })
        {
            var bank = BankSources.Load(new BankSpec("e", 40, 12, BankSourceKind.Gaussian, Seed: seed));
            for (var probe = 0; probe < 3; probe++)
            {
                var q0 = new float[12];
                BankGenerator.Fill(BankSourceKind.Gaussian, seed + 100, 12, probe, q0);
                var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(Parse(map), beta, 25));
                Assert.Equal(26, result.Energy.Length);
                Assert.All(result.Energy, e => Assert.True(double.IsFinite(e)));
                AssertNonIncreasing(result.Energy, $"{map} β={beta} seed={seed} probe={probe}");
            }
        }
    }

    [Theory]
    [InlineData("softmax")]
    [InlineData("entmax-1.5")]
    [InlineData("normmax-2")]
    public void Energy_AlongL2Dynamics_NeverIncreases(string map)
    {
        var bank = BankSources.Load(new BankSpec("e", 30, 8, BankSourceKind.Gaussian, Seed: 9));
        var q0 = new float[8];
        BankGenerator.Fill(BankSourceKind.Gaussian, 10, 8, 0, q0);
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(Parse(map), 4.0, 25, Post: PostTransform.L2));
        AssertNonIncreasing(result.Energy, map);
    }

    [Fact]
    public void Energy_OfSoftmax_IsMinusLogSumExpOverBetaPlusHalfNormSquared()
    {
        var bank = new Bank([1, 0, 0, 1, -1, 1], 3, 2);
        float[] q = [0.3f, -0.2f];
        const double beta = 1.5;
        var result = HfyDynamics.Run(bank, q, new RetrievalOptions(MapSpec.Softmax, beta, 0));
        double a = 0.3f, b = -0.2f;
        double[] theta = [beta * a, beta * b, beta * (b - a)];
        var lse = Math.Log(theta.Sum(Math.Exp));
        var expected = -lse / beta + 0.5 * (a * a + b * b);
        Assert.Equal(expected, result.Energy[0], 1e-12);
    }
}
