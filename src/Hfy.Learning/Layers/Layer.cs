using Hfy.Learning.Tensors;

namespace Hfy.Learning.Layers;

/// <summary>
/// A module of one input and one output: <see cref="Forward"/>, then <see cref="Backward"/> with the gradient of that
/// output. The output and the input gradient live in buffers the layer owns and reuses on every call (no allocation per
/// step), so each result is valid until the layer's next call of the same kind.
/// </summary>
public abstract class Layer : Module
{
    /// <summary>The output buffer, resized by each forward pass.</summary>
    protected Matrix Output { get; } = new(0, 0);

    /// <summary>The input-gradient buffer, resized by each backward pass.</summary>
    protected Matrix InputGrad { get; } = new(0, 0);

    /// <summary>The layer's output for the rows of <paramref name="x"/>.</summary>
    /// <param name="x">Input, one row per instance.</param>
    public abstract Matrix Forward(Matrix x);

    /// <summary>The gradient of the input, from <paramref name="dy"/>, the gradient of the last forward pass's output (and, for layers with parameters, their gradients accumulated).</summary>
    /// <param name="dy">Gradient of the output.</param>
    public abstract Matrix Backward(Matrix dy);
}
