using System.Diagnostics;
using Hfy.Learning.Optim;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Mil;

/// <summary>Per-bag cost of one training step, split into its phases.</summary>
/// <param name="Map">The pooling map's label.</param>
/// <param name="Parameters">Trainable scalars of the model.</param>
/// <param name="ForwardMicroseconds">Mean forward pass (embedding, pooling, classifier).</param>
/// <param name="BackwardMicroseconds">Mean loss and backward pass.</param>
/// <param name="StepMicroseconds">Mean gradient clipping and AdamW step.</param>
/// <param name="AllocatedBytesPerBag">Bytes allocated by this thread per step after warm-up.</param>
public sealed record MilThroughput(string Map, int Parameters, double ForwardMicroseconds, double BackwardMicroseconds, double StepMicroseconds,
    double AllocatedBytesPerBag)
{
    /// <summary>Total per bag.</summary>
    public double TotalMicroseconds => ForwardMicroseconds + BackwardMicroseconds + StepMicroseconds;

    /// <summary>Training steps per second on one thread.</summary>
    public double BagsPerSecond => 1e6 / TotalMicroseconds;

    /// <summary>
    /// Trains a fresh model for <paramref name="warmup"/> + <paramref name="steps"/> bags (cycling through the data set)
    /// and times the last <paramref name="steps"/> on this thread.
    /// </summary>
    public static MilThroughput Measure(BagSet data, MilConfig config, int steps, int warmup)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(config);
        if (steps < 1 || warmup < 0)
        {
            throw new ArgumentException($"steps: must be ≥ 1 and warmup ≥ 0 (got {steps}, {warmup})", nameof(steps));
        }

        var model = new MilModel(data.Features, config);
        var optimizer = new AdamW(model.Parameters(), config.Lr, config.WeightDecay);
        var buffer = new Matrix(0, data.Features);
        long forward = 0, backward = 0, step = 0, allocated = 0;
        for (var i = 0; i < warmup + steps; i++)
        {
            if (i == warmup)
            {
                allocated = GC.GetAllocatedBytesForCurrentThread();
            }

            var b = i % data.Count;
            var t0 = Stopwatch.GetTimestamp();
            optimizer.ZeroGrad();
            var logit = model.Forward(data.Bag(b, buffer));
            var t1 = Stopwatch.GetTimestamp();
            Losses.BceWithLogits(logit, data.Labels[b], out var grad);
            model.Backward(grad);
            var t2 = Stopwatch.GetTimestamp();
            GradientClipping.ClipNorm(optimizer.Parameters, config.Clip);
            optimizer.Step();
            var t3 = Stopwatch.GetTimestamp();
            if (i >= warmup)
            {
                forward += t1 - t0;
                backward += t2 - t1;
                step += t3 - t2;
            }
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency / steps;
        return new MilThroughput(config.Map.Label, model.ParameterCount(), Us(forward), Us(backward), Us(step), allocated / (double)steps);
    }
}
