using System.Diagnostics;
using Hfy.Learning.Optim;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Mil;

/// <summary>Scores of one trained model on its train, validation and test bags.</summary>
/// <param name="TrainAuc">ROC-AUC on the training bags after the last epoch.</param>
/// <param name="ValidationAuc">ROC-AUC on the validation bags (NaN when none).</param>
/// <param name="TestAuc">ROC-AUC on the test bags.</param>
/// <param name="TestAccuracy">Accuracy (σ(logit) ≥ 0.5) on the test bags.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation bags (NaN when none).</param>
/// <param name="FinalLoss">Mean training BCE of the last epoch.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
/// <param name="BagsPerSecond">Training steps (forward, backward, clip, AdamW) per second.</param>
public sealed record MilRunResult(double TrainAuc, double ValidationAuc, double TestAuc, double TestAccuracy,
    double ValidationAccuracy, double FinalLoss, double Seconds, double BagsPerSecond);

/// <summary>
/// Trains a <see cref="MilModel"/> as the published code does (data/mil/README.md, "Training"): batch size 1 over the
/// shuffled training bags, BCE with logits, gradient norm clipped, AdamW, ExponentialLR once per epoch; the model after
/// the last epoch is scored (the published early stopping never fires).
/// </summary>
public static class MilTrainer
{
    /// <summary>Trains on <paramref name="train"/> and scores all three index sets.</summary>
    /// <param name="data">The bags.</param>
    /// <param name="train">Training bag indices.</param>
    /// <param name="validation">Validation bag indices (may be empty).</param>
    /// <param name="test">Test bag indices.</param>
    /// <param name="config">Model and optimiser settings.</param>
    /// <param name="shuffleSeed">Seed of the epoch shuffles.</param>
    /// <param name="labelsOverride">Training labels to use instead of the data's (the shuffled-label control).</param>
    public static MilRunResult Run(BagSet data, int[] train, int[] validation, int[] test, MilConfig config, int shuffleSeed,
        IReadOnlyList<int>? labelsOverride = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Epochs < 1)
        {
            throw new ArgumentException($"epochs: must be ≥ 1 (got {config.Epochs})", nameof(config));
        }

        var labels = labelsOverride ?? data.Labels;
        var clock = Stopwatch.StartNew();
        var (model, lastLoss, bagsPerSecond) = Fit(data, train, config, shuffleSeed, labels);
        var buffer = new Matrix(0, data.Features);
        var trainScores = Score(model, data, train, buffer);
        var valScores = Score(model, data, validation, buffer);
        var testScores = Score(model, data, test, buffer);
        var trainLabels = train.Select(i => labels[i]).ToArray();
        var valLabels = validation.Select(i => data.Labels[i]).ToArray();
        var testLabels = test.Select(i => data.Labels[i]).ToArray();
        return new MilRunResult(
            Metrics.RocAuc(trainScores, trainLabels),
            validation.Length == 0 ? double.NaN : Metrics.RocAuc(valScores, valLabels),
            Metrics.RocAuc(testScores, testLabels),
            Metrics.Accuracy(testScores, testLabels),
            validation.Length == 0 ? double.NaN : Metrics.Accuracy(valScores, valLabels),
            lastLoss,
            clock.Elapsed.TotalSeconds,
            bagsPerSecond);
    }

    /// <summary>
    /// Trains a fresh model on the bags <paramref name="train"/> with <paramref name="labels"/>; returns it (in training
    /// mode), the mean loss of the last epoch and the training steps per second.
    /// </summary>
    public static (MilModel Model, double FinalLoss, double BagsPerSecond) Fit(BagSet data, int[] train, MilConfig config, int shuffleSeed,
        IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(labels);
        var model = new MilModel(data.Features, config);
        var optimizer = new AdamW(model.Parameters(), config.Lr, config.WeightDecay);
        var scheduler = new ExponentialLr(optimizer, config.LrDecay);
        var rng = new Random(shuffleSeed);
        var order = (int[])train.Clone();
        var buffer = new Matrix(0, data.Features);
        var lastLoss = 0.0;
        long steps = 0;
        var trainTicks = 0L;
        model.Train();
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            var start = Stopwatch.GetTimestamp();
            rng.Shuffle(order);
            double sum = 0;
            foreach (var b in order)
            {
                optimizer.ZeroGrad();
                var logit = model.Forward(data.Bag(b, buffer));
                sum += Losses.BceWithLogits(logit, labels[b], out var grad);
                model.Backward(grad);
                GradientClipping.ClipNorm(optimizer.Parameters, config.Clip);
                optimizer.Step();
                steps++;
            }

            scheduler.Step();
            lastLoss = sum / Math.Max(1, order.Length);
            trainTicks += Stopwatch.GetTimestamp() - start;
        }

        var seconds = trainTicks / (double)Stopwatch.Frequency;
        return (model, lastLoss, seconds > 0 ? steps / seconds : double.NaN);
    }

    /// <summary>Bag probabilities σ(logit) in evaluation mode.</summary>
    public static double[] Score(MilModel model, BagSet data, int[] indices, Matrix buffer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(indices);
        model.Eval();
        var scores = new double[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            scores[i] = Losses.Sigmoid(model.Forward(data.Bag(indices[i], buffer)));
        }

        model.Train();
        return scores;
    }
}
