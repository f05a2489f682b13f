using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class SoftmaxTests
{
    [Fact]
    public void Softmax_ConjugateIsLogSumExp()
    {
        var map = new Softmax();
        var rng = new Random(71);
        for (var c = 0; c < 200; c++)
        {
            var theta = RandomTheta(rng, 1, 30);
            var p = Apply(map, theta);
            var conj = theta.Zip(p, (a, b) => a * b).Sum() - map.Regularizer(p);
            var max = theta.Max();
            Assert.Equal(max + Math.Log(theta.Sum(t => Math.Exp(t - max))), conj, 1e-10);
        }
    }

    [Fact]
    public void Softmax_ReturnsNoThreshold_AndIsNeverSparse()
    {
        var p = new double[3];
        Assert.True(double.IsNaN(new Softmax().Forward([0, 10, 30], p)));
        Assert.All(p, v => Assert.True(v > 0));
    }

    [Fact]
    public void Forward_WithMismatchedOutput_NamesP()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Softmax().Forward([1, 2], new double[3]));
        Assert.Equal("p", ex.ParamName);
        Assert.Throws<ArgumentException>(() => new Softmax().Forward([double.NaN, 1], new double[2]));
        Assert.Throws<ArgumentException>(() => new Softmax().Forward([double.PositiveInfinity, 1], new double[2]));
        Assert.Throws<ArgumentException>(() => new Sparsemax().Forward([double.NegativeInfinity], new double[1]));
        Assert.Throws<ArgumentException>(() => new Sparsemax().Forward([], []));
    }
}
