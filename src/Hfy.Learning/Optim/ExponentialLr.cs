namespace Hfy.Learning.Optim;

/// <summary>PyTorch <c>ExponentialLR</c>: lr ← lr · γ at every <see cref="Step"/> (once per epoch).</summary>
public sealed class ExponentialLr
{
    private readonly AdamW _optimizer;

    /// <summary>Decays <paramref name="optimizer"/>'s learning rate by <paramref name="gamma"/> per step.</summary>
    public ExponentialLr(AdamW optimizer, double gamma)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (!(gamma > 0 && gamma <= 1))
        {
            throw new ArgumentException($"lrDecay: must be in (0, 1] (got {gamma})", nameof(gamma));
        }

        Gamma = gamma;
    }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <summary>Multiplies the learning rate by γ.</summary>
    public void Step() => _optimizer.LearningRate *= Gamma;
}
