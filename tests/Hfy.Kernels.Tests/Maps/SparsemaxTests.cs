using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class SparsemaxTests
{
    [Fact]
    public void Sparsemax_IsTheEuclideanProjectionOntoTheSimplex()
    {
        // KKT of min ‖p − θ‖²: p_i = θ_i − τ on the support, θ_i ≤ τ off it.
        var map = new Sparsemax();
        var rng = new Random(41);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 30);
            var p = new double[theta.Length];
            var tau = map.Forward(theta, p);
            for (var i = 0; i < p.Length; i++)
            {
                if (p[i] > 0)
                {
                    Assert.Equal(theta[i] - tau, p[i], 1e-12);
                }
                else
                {
                    Assert.True(theta[i] <= tau + 1e-12, $"case {c}: θ_{i} = {theta[i]} above τ = {tau} but zero weight");
                }
            }
        }
    }

    [Fact]
    public void Sparsemax_OfTiedScores_SplitsMassEvenly()
    {
        Close([0, 0.5, 0.5], Apply(new Sparsemax(), [-1, 2, 2]), 1e-15);
    }

    [Fact]
    public void Sparsemax_Regularizer_IsHalfSquaredNormMinusHalf()
    {
        Assert.Equal(0.5 * ((0.25 * 0.25) + (0.75 * 0.75) - 1), new Sparsemax().Regularizer([0, 0.25, 0.75]), 15);
    }
}
