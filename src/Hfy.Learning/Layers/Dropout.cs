using Hfy.Learning.Tensors;

namespace Hfy.Learning.Layers;

/// <summary>
/// Inverted dropout (PyTorch <c>nn.Dropout</c>): in training mode each entry is zeroed with probability p and
/// the rest scaled by 1/(1 − p); identity in evaluation mode. The mask comes from <see cref="Generator"/>.
/// </summary>
public sealed class Dropout : Layer
{
    private double[] _mask = [];
    private bool _active;

    /// <summary>Dropout with drop probability <paramref name="p"/> ∈ [0, 1).</summary>
    public Dropout(double p, Random generator)
    {
        Probability = DropoutMask.Check(p);
        Generator = generator ?? throw new ArgumentNullException(nameof(generator));
    }

    /// <summary>Drop probability.</summary>
    public double Probability { get; }

    /// <summary>The generator the masks are drawn from (replace it to replay masks).</summary>
    public Random Generator { get; set; }

    /// <summary>Applies dropout (a buffer owned by this layer, or <paramref name="x"/> itself when inactive).</summary>
    public override Matrix Forward(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        _active = Training && Probability > 0;
        if (!_active)
        {
            return x;
        }

        var n = x.Rows * x.Cols;
        if (_mask.Length < n)
        {
            _mask = new double[Math.Max(n, 2 * _mask.Length)];
        }

        var y = Output.Resize(x.Rows, x.Cols);
        DropoutMask.Draw(_mask.AsSpan(0, n), Probability, Generator);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, _mask.AsSpan(0, n), y.Span);
        return y;
    }

    /// <summary>dx = dy ⊙ mask (or dy when inactive).</summary>
    public override Matrix Backward(Matrix dy)
    {
        ArgumentNullException.ThrowIfNull(dy);
        if (!_active)
        {
            return dy;
        }

        var dx = InputGrad.Resize(dy.Rows, dy.Cols);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dy.Span, _mask.AsSpan(0, dx.Rows * dx.Cols), dx.Span);
        return dx;
    }
}

/// <summary>Dropout masks: 0 with probability p, 1/(1 − p) otherwise.</summary>
public static class DropoutMask
{
    /// <summary>Fills <paramref name="mask"/>.</summary>
    public static void Draw(Span<double> mask, double p, Random generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var keep = 1.0 / (1.0 - p);
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = generator.NextDouble() < p ? 0.0 : keep;
        }
    }

    /// <summary>Checks 0 ≤ p &lt; 1.</summary>
    public static double Check(double p) =>
        p >= 0 && p < 1 ? p : throw new ArgumentException($"dropout: must be in [0, 1) (got {p})", nameof(p));
}
