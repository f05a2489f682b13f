using System.Numerics.Tensors;

namespace Hfy.Learning.Optim;

/// <summary>PyTorch <c>clip_grad_norm_</c>: scale all gradients by max/(‖g‖₂ + 1e-6) when that factor is &lt; 1.</summary>
public static class GradientClipping
{
    /// <summary>Clips in place; returns the total norm before clipping.</summary>
    public static double ClipNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // Indexed loops: a foreach over the interface would allocate an enumerator on every training step.
        double sum = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            sum += TensorPrimitives.SumOfSquares<double>(parameters[i].Grad);
        }

        var norm = Math.Sqrt(sum);
        var coef = maxNorm / (norm + 1e-6);
        if (coef < 1.0)
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                TensorPrimitives.Multiply(parameters[i].Grad, coef, parameters[i].Grad);
            }
        }

        return norm;
    }
}
