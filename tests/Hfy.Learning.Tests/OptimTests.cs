using Hfy.Learning.Optim;

namespace Hfy.Learning.Tests;

public sealed class OptimTests
{
    [Fact]
    public void AdamW_TwoSteps_MatchTheClosedForm()
    {
        var p = new Parameter("w", 2);
        p.Value[0] = 1.0;
        p.Value[1] = -2.0;
        var opt = new AdamW([p], lr: 0.1, weightDecay: 0.01);
        double[] g1 = [0.5, -3.0], g2 = [-1.0, 1.0];
        double[] expected = [1.0, -2.0], m = [0, 0], v = [0, 0];
        for (var t = 1; t <= 2; t++)
        {
            var g = t == 1 ? g1 : g2;
            g.CopyTo(p.Grad, 0);
            opt.Step();
            for (var i = 0; i < 2; i++)
            {
                expected[i] *= 1 - (0.1 * 0.01);
                m[i] = (0.9 * m[i]) + (0.1 * g[i]);
                v[i] = (0.999 * v[i]) + (0.001 * g[i] * g[i]);
                var mhat = m[i] / (1 - Math.Pow(0.9, t));
                var vhat = v[i] / (1 - Math.Pow(0.999, t));
                expected[i] -= 0.1 * mhat / (Math.Sqrt(vhat) + 1e-8);
            }
        }

        Assert.Equal(expected[0], p.Value[0], 12);
        Assert.Equal(expected[1], p.Value[1], 12);
    }

    [Fact]
    public void ClipNorm_ScalesToMaxNorm_OnlyWhenAbove()
    {
        var a = new Parameter("a", 2);
        var b = new Parameter("b", 1);
        a.Grad[0] = 3;
        a.Grad[1] = 0;
        b.Grad[0] = 4;
        var norm = GradientClipping.ClipNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 12);
        Assert.Equal(0.6, a.Grad[0], 6);
        Assert.Equal(0.8, b.Grad[0], 6);
        Assert.Equal(1.0, GradientClipping.ClipNorm([a, b], 2.0), 5);
        Assert.Equal(0.6, a.Grad[0], 6);
    }

    [Fact]
    public void ExponentialLr_MultipliesByGammaPerStep()
    {
        var opt = new AdamW([new Parameter("w", 1)], lr: 1e-3);
        var sched = new ExponentialLr(opt, 0.96);
        for (var i = 0; i < 10; i++)
        {
            sched.Step();
        }

        Assert.Equal(1e-3 * Math.Pow(0.96, 10), opt.LearningRate, 15);
    }

    [Theory]
    [InlineData(0.3, 1.0)]
    [InlineData(-2.0, 0.0)]
    [InlineData(40.0, 0.0)]
    [InlineData(-40.0, 1.0)]
    public void BceWithLogits_MatchesTheDefinition_AndItsGradient(double z, double y)
    {
        var loss = Losses.BceWithLogits(z, y, out var grad);
        // −log σ(±z) written as log(1 + e^{∓z}), exact enough here; at |z| = 40 the loss is |z| + e^{−40}.
        var direct = y == 1.0 ? Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
        Assert.Equal(direct, loss, 9);
        var h = 1e-6;
        var fd = (Losses.BceWithLogits(z + h, y, out _) - Losses.BceWithLogits(z - h, y, out _)) / (2 * h);
        Assert.Equal(fd, grad, 6);
    }
}
