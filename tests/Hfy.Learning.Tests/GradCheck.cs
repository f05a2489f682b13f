using Hfy.Learning.Tensors;

namespace Hfy.Learning.Tests;

/// <summary>One differentiable quantity: its live values (perturbed in place) and the analytic gradient.</summary>
internal sealed record Slot(string Name, double[] Values, double[] Gradient, int Offset = 0, int Length = -1);

/// <summary>Central finite differences of f = Σ C ⊙ forward() against the analytic gradients, in float64.</summary>
internal static class GradCheck
{
    /// <param name="forward">Runs the forward pass from the current values.</param>
    /// <param name="backward">Given C, zeroes the gradients, runs the backward pass and returns the slots (gradients copied).</param>
    /// <returns>The largest error |a − fd| / (1e-7 + 1e-5 (|a| + |fd|)) seen (must be ≤ 1), and the number of entries checked.</returns>
    public static (double Worst, int Checked) Run(Func<Matrix> forward, Func<Matrix, IReadOnlyList<Slot>> backward, Random rng,
        double h = 1e-6, int maxPerSlot = 40)
    {
        var output = forward();
        var c = new Matrix(output.Rows, output.Cols);
        for (var i = 0; i < c.Span.Length; i++)
        {
            c.Span[i] = (2 * rng.NextDouble()) - 1;
        }

        var slots = backward(c);
        double worst = 0;
        var count = 0;
        foreach (var slot in slots)
        {
            var length = slot.Length < 0 ? slot.Values.Length - slot.Offset : slot.Length;
            var indices = Enumerable.Range(0, length).ToArray();
            if (length > maxPerSlot)
            {
                rng.Shuffle(indices);
                indices = indices[..maxPerSlot];
            }

            foreach (var j in indices)
            {
                var i = slot.Offset + j;
                var keep = slot.Values[i];
                slot.Values[i] = keep + h;
                var plus = Loss(forward(), c);
                slot.Values[i] = keep - h;
                var minus = Loss(forward(), c);
                slot.Values[i] = keep;
                var fd = (plus - minus) / (2 * h);
                var a = slot.Gradient[j];
                var err = Math.Abs(a - fd) / (1e-7 + (1e-5 * (Math.Abs(a) + Math.Abs(fd))));
                Assert.True(err <= 1.0, $"{slot.Name}[{j}]: analytic {a:R} vs finite difference {fd:R}");
                worst = Math.Max(worst, err);
                count++;
            }
        }

        return (worst, count);
    }

    public static double Loss(Matrix output, Matrix c)
    {
        double s = 0;
        for (var i = 0; i < c.Span.Length; i++)
        {
            s += output.Span[i] * c.Span[i];
        }

        return s;
    }

    public static Matrix RandomMatrix(int rows, int cols, Random rng, double scale = 1.0)
    {
        var m = new Matrix(rows, cols);
        for (var i = 0; i < m.Span.Length; i++)
        {
            m.Span[i] = scale * ((2 * rng.NextDouble()) - 1);
        }

        return m;
    }

    /// <summary>Slots for every parameter of a module (gradients copied).</summary>
    public static IEnumerable<Slot> ParameterSlots(Module module) =>
        module.NamedParameters().Select(p => new Slot(p.Name, p.Parameter.Value, (double[])p.Parameter.Grad.Clone()));

    /// <summary>A slot for a matrix input, with its gradient matrix copied.</summary>
    public static Slot InputSlot(string name, Matrix input, Matrix gradient, double[] storage) =>
        new(name, storage, gradient.ToArray(), 0, input.Rows * input.Cols);
}
