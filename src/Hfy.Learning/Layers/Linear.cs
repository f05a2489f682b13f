using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Layers;

/// <summary>
/// y = x W + b for row vectors x (rows = instances). The weight is stored as (in × out), the transpose of
/// PyTorch's <c>nn.Linear.weight</c>, so that forward and backward are row-axpys over the output width.
/// Default initialisation is PyTorch's: W, b ~ U(±1/√in).
/// </summary>
public sealed class Linear : Layer
{
    private Matrix? _input;

    /// <summary>A linear layer with PyTorch's default initialisation.</summary>
    public Linear(int inFeatures, int outFeatures, Random rng, bool bias = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
        {
            throw new ArgumentException($"features: in and out must be ≥ 1 (got {inFeatures} → {outFeatures})");
        }

        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter("weight", inFeatures, outFeatures);
        Bias = bias ? new Parameter("bias", outFeatures) : null;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        Init.Uniform(Weight.Value, bound, rng);
        if (Bias is not null)
        {
            Init.Uniform(Bias.Value, bound, rng);
        }
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>(in × out) weight.</summary>
    public Parameter Weight { get; }

    /// <summary>Bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>When false, <see cref="Backward"/> accumulates the parameter gradients only and returns an empty matrix.</summary>
    public bool NeedsInputGrad { get; set; } = true;

    /// <summary>y = x W + b (a buffer owned by this layer, valid until its next Forward).</summary>
    public override Matrix Forward(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Cols != InFeatures)
        {
            throw new ArgumentException($"x: must have {InFeatures} columns (got {x.Cols})", nameof(x));
        }

        _input = x;
        var y = Output.Resize(x.Rows, OutFeatures);
        var w = Weight.Value.AsSpan();
        for (var r = 0; r < x.Rows; r++)
        {
            var yr = y.Row(r);
            if (Bias is null)
            {
                yr.Clear();
            }
            else
            {
                Bias.Value.CopyTo(yr);
            }

            var xr = x.Row(r);
            for (var i = 0; i < xr.Length; i++)
            {
                // Zero inputs (ReLU outputs, all-zero feature columns) cost nothing and change no bit.
                if (xr[i] != 0.0)
                {
                    TensorPrimitives.MultiplyAdd(w.Slice(i * OutFeatures, OutFeatures), xr[i], yr, yr);
                }
            }
        }

        return y;
    }

    /// <summary>Accumulates dW, db and returns dx (a buffer owned by this layer).</summary>
    public override Matrix Backward(Matrix dy)
    {
        ArgumentNullException.ThrowIfNull(dy);
        var x = _input ?? throw new InvalidOperationException("Linear: Backward before Forward");
        if (dy.Rows != x.Rows || dy.Cols != OutFeatures)
        {
            throw new ArgumentException($"dy: must be {x.Rows}×{OutFeatures} (got {dy.Rows}×{dy.Cols})", nameof(dy));
        }

        var w = Weight.Value.AsSpan();
        var dw = Weight.Grad.AsSpan();
        var dx = NeedsInputGrad ? InputGrad.Resize(x.Rows, InFeatures) : InputGrad.Resize(0, InFeatures);
        for (var r = 0; r < x.Rows; r++)
        {
            var dyr = dy.Row(r);
            if (Bias is not null)
            {
                TensorPrimitives.Add(Bias.Grad, dyr, Bias.Grad);
            }

            var xr = x.Row(r);
            for (var i = 0; i < InFeatures; i++)
            {
                if (xr[i] != 0.0)
                {
                    var dwi = dw.Slice(i * OutFeatures, OutFeatures);
                    TensorPrimitives.MultiplyAdd(dyr, xr[i], dwi, dwi);
                }
            }

            if (NeedsInputGrad)
            {
                var dxr = dx.Row(r);
                for (var i = 0; i < InFeatures; i++)
                {
                    dxr[i] = TensorPrimitives.Dot(dyr, w.Slice(i * OutFeatures, OutFeatures));
                }
            }
        }

        return dx;
    }

    /// <inheritdoc />
    protected override IEnumerable<Parameter> OwnParameters() => Bias is null ? [Weight] : [Weight, Bias];
}
