using System.Numerics.Tensors;

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
    private readonly double[] _scratch;
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
        _scratch = new double[_parameters.Length == 0 ? 0 : _parameters.Max(p => p.Value.Length)];
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
            var p = _parameters[i].Value.AsSpan();
            var g = _parameters[i].Grad.AsSpan();
            var m = _m[i].AsSpan();
            var v = _v[i].AsSpan();
            var t = _scratch.AsSpan(0, p.Length);
            if (WeightDecay > 0 && _parameters[i].Decay)
            {
                TensorPrimitives.Multiply(p, 1.0 - (LearningRate * WeightDecay), p);
            }

            TensorPrimitives.Lerp(m, g, 1.0 - Beta1, m);
            TensorPrimitives.Multiply(g, g, t);
            TensorPrimitives.Lerp(v, t, 1.0 - Beta2, v);
            TensorPrimitives.Sqrt(v, t);
            TensorPrimitives.Multiply(t, invSqrtBias2, t);
            TensorPrimitives.Add(t, Eps, t);
            TensorPrimitives.Divide(m, t, t);
            TensorPrimitives.MultiplyAdd(t, -stepSize, p, p);
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
