using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class NormmaxTests
{
    [Theory]
    [InlineData(1.5)]
    [InlineData(2.0)]
    [InlineData(5.0)]
    public void Normmax_MaximizesThetaDotPMinusTheNorm(double gamma)
    {
        // p = argmax_{p∈Δ} θᵀp − ‖p‖_γ: no random feasible point (nor a small move from p) does better.
        var map = new Normmax(gamma);
        var rng = new Random(51);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 2, 12);
            var p = Apply(map, theta);
            var best = Objective(theta, p, map);
            for (var t = 0; t < 20; t++)
            {
                var q = p.Select(v => Math.Max(0, v + (0.05 * Normal(rng)))).ToArray();
                var s = q.Sum();
                if (s == 0)
                {
                    continue;
                }

                q = [.. q.Select(v => v / s)];
                Assert.True(Objective(theta, q, map) <= best + 1e-12, $"γ = {gamma} case {c}: a feasible point beats the map's output");
            }
        }
    }

    [Fact]
    public void Normmax_Regularizer_IsTheGammaNormMinusOne()
    {
        Assert.Equal(Math.Sqrt(0.5) - 1, new Normmax(2).Regularizer([0.5, 0.5]), 15);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    [InlineData(double.NaN)]
    public void Normmax_OfInvalidGamma_NamesTheField(double gamma)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Normmax(gamma));
        Assert.StartsWith("gamma:", ex.Message, StringComparison.Ordinal);
    }

    private static double Objective(double[] theta, double[] p, IMap map) =>
        theta.Zip(p, (a, b) => a * b).Sum() - map.Regularizer(p);
}
