using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Layers;

/// <summary>
/// Row-wise layer normalisation with an affine map (PyTorch <c>nn.LayerNorm(dim, eps = 1e-5)</c>):
/// y = (x − mean) / √(var + ε) ⊙ γ + β, population variance; γ = 1, β = 0 initially.
/// </summary>
public sealed class LayerNorm : Layer
{
    private readonly Matrix _normalized = new(0, 0);
    private readonly double[] _scratch;
    private double[] _invStd = [];

    /// <summary>LayerNorm over rows of width <paramref name="dim"/>.</summary>
    public LayerNorm(int dim, double eps = 1e-5)
    {
        if (dim < 1)
        {
            throw new ArgumentException($"dim: must be ≥ 1 (got {dim})", nameof(dim));
        }

        Dim = dim;
        Eps = eps;
        Gain = new Parameter("weight", dim);
        Shift = new Parameter("bias", dim);
        Array.Fill(Gain.Value, 1.0);
        _scratch = new double[dim];
    }

    /// <summary>Row width.</summary>
    public int Dim { get; }

    /// <summary>ε added to the variance.</summary>
    public double Eps { get; }

    /// <summary>γ (PyTorch <c>weight</c>).</summary>
    public Parameter Gain { get; }

    /// <summary>β (PyTorch <c>bias</c>).</summary>
    public Parameter Shift { get; }

    /// <summary>Normalises each row (a buffer owned by this layer).</summary>
    public override Matrix Forward(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Cols != Dim)
        {
            throw new ArgumentException($"x: must have {Dim} columns (got {x.Cols})", nameof(x));
        }

        var y = Output.Resize(x.Rows, Dim);
        var xhat = _normalized.Resize(x.Rows, Dim);
        if (_invStd.Length < x.Rows)
        {
            _invStd = new double[Math.Max(x.Rows, 2 * _invStd.Length)];
        }

        for (var r = 0; r < x.Rows; r++)
        {
            var xr = x.Row(r);
            var mean = TensorPrimitives.Sum<double>(xr) / Dim;
            var hr = xhat.Row(r);
            TensorPrimitives.Subtract(xr, mean, hr);
            var variance = TensorPrimitives.SumOfSquares<double>(hr) / Dim;
            var inv = 1.0 / Math.Sqrt(variance + Eps);
            _invStd[r] = inv;
            TensorPrimitives.Multiply(hr, inv, hr);
            var yr = y.Row(r);
            TensorPrimitives.MultiplyAdd(hr, Gain.Value, Shift.Value, yr);
        }

        return y;
    }

    /// <summary>Accumulates dγ, dβ and returns dx: dx = (1/σ)(ĝ − mean ĝ − x̂ mean(ĝ ⊙ x̂)), ĝ = dy ⊙ γ.</summary>
    public override Matrix Backward(Matrix dy)
    {
        ArgumentNullException.ThrowIfNull(dy);
        var xhat = _normalized;
        if (dy.Rows != xhat.Rows || dy.Cols != Dim)
        {
            throw new ArgumentException($"dy: must be {xhat.Rows}×{Dim} (got {dy.Rows}×{dy.Cols})", nameof(dy));
        }

        var dx = InputGrad.Resize(dy.Rows, Dim);
        var g = _scratch.AsSpan();
        for (var r = 0; r < dy.Rows; r++)
        {
            var dyr = dy.Row(r);
            var hr = xhat.Row(r);
            TensorPrimitives.Add(Shift.Grad, dyr, Shift.Grad);
            TensorPrimitives.MultiplyAdd(dyr, hr, Gain.Grad, Gain.Grad);
            TensorPrimitives.Multiply(dyr, Gain.Value, g);
            var meanG = TensorPrimitives.Sum<double>(g) / Dim;
            var meanGx = TensorPrimitives.Dot<double>(g, hr) / Dim;
            var dxr = dx.Row(r);
            // dx = inv · (g − meanG − x̂ · meanGx)
            TensorPrimitives.Multiply(hr, -meanGx, dxr);
            TensorPrimitives.Add(dxr, g, dxr);
            TensorPrimitives.Add(dxr, -meanG, dxr);
            TensorPrimitives.Multiply(dxr, _invStd[r], dxr);
        }

        return dx;
    }

    /// <inheritdoc />
    protected override IEnumerable<Parameter> OwnParameters() => [Gain, Shift];
}
