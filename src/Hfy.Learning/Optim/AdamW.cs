using System.Numerics;

namespace Hfy.Learning.Optim;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter; PyTorch <c>torch.optim.AdamW</c>, amsgrad off): decoupled weight decay
/// p ← p(1 − lr·λ), then m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/(1−β₁ᵗ)) m / (√v/√(1−β₂ᵗ) + ε).
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _parameters;
    private readonly double[][] _m;
    private readonly double[][] _v;
    private long _step;

    /// <summary>AdamW over <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double weightDecay = 1e-2, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr > 0) || !double.IsFinite(lr))
        {
            throw new ArgumentException($"lr: must be a finite number > 0 (got {lr})", nameof(lr));
        }

        if (!(weightDecay >= 0))
        {
            throw new ArgumentException($"weightDecay: must be ≥ 0 (got {weightDecay})", nameof(weightDecay));
        }

        _parameters = [.. parameters];
        _m = [.. _parameters.Select(p => new double[p.Value.Length])];
        _v = [.. _parameters.Select(p => new double[p.Value.Length])];
        LearningRate = lr;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>Current learning rate (schedulers change it).</summary>
    public double LearningRate { get; set; }

    /// <summary>Decoupled weight decay λ.</summary>
    public double WeightDecay { get; }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>One update from the accumulated gradients.</summary>
    public void Step()
    {
        _step++;
        var bias1 = 1.0 - Math.Pow(Beta1, _step);
        var bias2 = 1.0 - Math.Pow(Beta2, _step);
        var stepSize = LearningRate / bias1;
        var invSqrtBias2 = 1.0 / Math.Sqrt(bias2);
        for (var i = 0; i < _parameters.Length; i++)
        {
            var decay = WeightDecay > 0 && _parameters[i].Decay ? 1.0 - (LearningRate * WeightDecay) : 1.0;
            Update(_parameters[i].Value, _parameters[i].Grad, _m[i], _v[i], decay, stepSize, invSqrtBias2);
        }
    }

    /// <summary>
    /// One fused pass over a parameter (decay, both moments, update), vectorized with <see cref="Vector{T}"/>: the separate
    /// TensorPrimitives passes were memory-bound and cost more than the forward and backward passes of a MIL bag.
    /// </summary>
    private void Update(Span<double> p, ReadOnlySpan<double> g, Span<double> m, Span<double> v, double decay, double stepSize, double invSqrtBias2)
    {
        double b1 = Beta1, b2 = Beta2, c1 = 1.0 - Beta1, c2 = 1.0 - Beta2, eps = Eps;
        var i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<double>.Count)
        {
            var vb1 = new Vector<double>(b1);
            var vb2 = new Vector<double>(b2);
            var vc1 = new Vector<double>(c1);
            var vc2 = new Vector<double>(c2);
            var vdecay = new Vector<double>(decay);
            var vinv = new Vector<double>(invSqrtBias2);
            var veps = new Vector<double>(eps);
            var vstep = new Vector<double>(stepSize);
            for (; i <= p.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var gi = new Vector<double>(g[i..]);
                var mi = (vb1 * new Vector<double>(m[i..])) + (vc1 * gi);
                var vi = (vb2 * new Vector<double>(v[i..])) + (vc2 * gi * gi);
                var pi = new Vector<double>(p[i..]) * vdecay;
                pi -= vstep * mi / ((Vector.SquareRoot(vi) * vinv) + veps);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                pi.CopyTo(p[i..]);
            }
        }

        for (; i < p.Length; i++)
        {
            m[i] = (b1 * m[i]) + (c1 * g[i]);
            v[i] = (b2 * v[i]) + (c2 * g[i] * g[i]);
            p[i] = (p[i] * decay) - (stepSize * m[i] / ((Math.Sqrt(v[i]) * invSqrtBias2) + eps));
        }
    }

    /// <summary>Zeroes the gradients of the optimised parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            Array.Clear(p.Grad);
        }
    }
}
