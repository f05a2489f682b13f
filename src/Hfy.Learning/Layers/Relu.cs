using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Layers;

/// <summary>max(x, 0) element-wise; the gradient at 0 is 0 (PyTorch's convention).</summary>
public sealed class Relu : Layer
{

    /// <summary>max(x, 0) (a buffer owned by this layer).</summary>
    public override Matrix Forward(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Output.Resize(x.Rows, x.Cols);
        TensorPrimitives.Max(x.Span, 0.0, y.Span);
        return y;
    }

    /// <summary>dx = dy where the output is positive, 0 elsewhere.</summary>
    public override Matrix Backward(Matrix dy)
    {
        ArgumentNullException.ThrowIfNull(dy);
        if (dy.Rows != Output.Rows || dy.Cols != Output.Cols)
        {
            throw new ArgumentException($"dy: must be {Output.Rows}×{Output.Cols} (got {dy.Rows}×{dy.Cols})", nameof(dy));
        }

        var dx = InputGrad.Resize(dy.Rows, dy.Cols);
        var y = Output.Span;
        var g = dy.Span;
        var d = dx.Span;
        for (var i = 0; i < d.Length; i++)
        {
            d[i] = y[i] > 0.0 ? g[i] : 0.0;
        }

        return dx;
    }
}
