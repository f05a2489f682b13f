using Hfy.Learning.Layers;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Tests;

public sealed class LayerGradientTests
{
    private static Matrix Input(int rows, int cols, Random rng, out double[] storage)
    {
        storage = new double[rows * cols];
        for (var i = 0; i < storage.Length; i++)
        {
            storage[i] = (2 * rng.NextDouble()) - 1;
        }

        return new Matrix(rows, cols, storage);
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 5, 3, 2)]
    [InlineData(3, 7, 1, 3)]
    [InlineData(4, 3, 9, 4)]
    public void Linear_Gradients_MatchFiniteDifferences(int seed, int rows, int inFeatures, int outFeatures)
    {
        var rng = new Random(seed);
        var layer = new Linear(inFeatures, outFeatures, rng);
        var x = Input(rows, inFeatures, rng, out var xs);
        var (_, n) = GradCheck.Run(() => layer.Forward(x), c =>
        {
            layer.ZeroGrad();
            layer.Forward(x);
            var dx = layer.Backward(c);
            return [.. GradCheck.ParameterSlots(layer), GradCheck.InputSlot("x", x, dx, xs)];
        }, rng);
        Assert.Equal((inFeatures * outFeatures) + outFeatures + (rows * inFeatures), n);
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(2, 4, 5)]
    [InlineData(3, 2, 16)]
    public void LayerNorm_Gradients_MatchFiniteDifferences(int seed, int rows, int dim)
    {
        var rng = new Random(seed);
        var layer = new LayerNorm(dim);
        Init.Normal(layer.Gain.Value, 1.0, rng);
        Init.Normal(layer.Shift.Value, 1.0, rng);
        var x = Input(rows, dim, rng, out var xs);
        var (_, n) = GradCheck.Run(() => layer.Forward(x), c =>
        {
            layer.ZeroGrad();
            layer.Forward(x);
            var dx = layer.Backward(c);
            return [.. GradCheck.ParameterSlots(layer), GradCheck.InputSlot("x", x, dx, xs)];
        }, rng);
        Assert.True(n > 0);
    }

    [Fact]
    public void LayerNorm_OutputRows_HaveZeroMeanAndUnitVariance()
    {
        var rng = new Random(3);
        var x = Input(3, 8, rng, out _);
        var y = new LayerNorm(8, eps: 0).Forward(x);
        for (var r = 0; r < 3; r++)
        {
            var row = y.Row(r).ToArray();
            Assert.Equal(0.0, row.Average(), 12);
            Assert.Equal(1.0, row.Select(v => v * v).Average(), 12);
        }
    }

    [Fact]
    public void Dropout_WithReplayedMask_GradientMatchesFiniteDifferences_AndKeepsExpectation()
    {
        var rng = new Random(5);
        var layer = new Dropout(0.5, new Random(1));
        var x = Input(6, 7, rng, out var xs);
        GradCheck.Run(() =>
        {
            layer.Generator = new Random(9);
            return layer.Forward(x);
        }, c =>
        {
            layer.Generator = new Random(9);
            layer.Forward(x);
            var dx = layer.Backward(c);
            return [GradCheck.InputSlot("x", x, dx, xs)];
        }, rng);

        var ones = new Matrix(1, 100_000);
        ones.Span.Fill(1.0);
        var y = layer.Forward(ones);
        var dropped = y.Span.ToArray().Count(v => v == 0);
        Assert.InRange(dropped, 49_000, 51_000);
        Assert.Equal(1.0, y.Span.ToArray().Average(), 1);
        layer.Eval();
        Assert.Same(ones, layer.Forward(ones));
    }

    [Fact]
    public void Relu_Gradient_IsTheIndicatorOfPositiveOutputs()
    {
        var rng = new Random(8);
        var layer = new Relu();
        var x = Input(4, 5, rng, out var xs);
        GradCheck.Run(() => layer.Forward(x), c =>
        {
            layer.Forward(x);
            var dx = layer.Backward(c);
            return [GradCheck.InputSlot("x", x, dx, xs)];
        }, rng);
    }
}
