using Hfy.Learning.Mil;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Rationale;

/// <summary>
/// Settings of the synthetic rationale task (docs/learning.md): sequences of <paramref name="Length"/> token vectors in
/// <paramref name="Dim"/> dimensions, N(0, I) noise; one planted contiguous span of <paramref name="Span"/> tokens carries
/// a marker (+<paramref name="Marker"/> on feature 0) and the label (±<paramref name="Signal"/> on feature 1); outside the
/// span feature 1 is ±<paramref name="Signal"/> at random, so only the span decides the label.
/// </summary>
/// <param name="Length">Tokens per sequence.</param>
/// <param name="Dim">Token width (≥ 2).</param>
/// <param name="Span">Planted span length.</param>
/// <param name="Marker">Marker strength on feature 0 inside the span.</param>
/// <param name="Signal">Label strength on feature 1.</param>
/// <param name="Train">Training sequences.</param>
/// <param name="Test">Test sequences.</param>
public sealed record RationaleData(int Length = 30, int Dim = 8, int Span = 5, double Marker = 1.5, double Signal = 1.0, int Train = 400, int Test = 200)
{
    /// <summary>Throws one clear error for the first field out of range.</summary>
    public void Validate()
    {
        if (Dim < 2 || Length < 2 || Span < 1 || Span > Length)
        {
            throw new ArgumentException($"rationale: dim ≥ 2, length ≥ 2 and 1 ≤ span ≤ length (got dim {Dim}, length {Length}, span {Span})");
        }

        if (Train < 2 || Test < 2)
        {
            throw new ArgumentException($"rationale: train and test need ≥ 2 sequences (got {Train}, {Test})");
        }
    }

    /// <summary>
    /// Train sequences then test sequences (labels alternate 0, 1) and the start of each planted span, from <paramref name="seed"/>.
    /// </summary>
    public (DenseBagSet Data, int[] SpanStart) Generate(int seed)
    {
        Validate();
        var rng = new Random(seed);
        var count = Train + Test;
        var bags = new Matrix[count];
        var labels = new int[count];
        var starts = new int[count];
        for (var s = 0; s < count; s++)
        {
            var x = new Matrix(Length, Dim);
            Init.Normal(x.Span, 1.0, rng);
            labels[s] = s % 2;
            starts[s] = rng.Next(Length - Span + 1);
            for (var t = 0; t < Length; t++)
            {
                var inSpan = t >= starts[s] && t < starts[s] + Span;
                if (inSpan)
                {
                    x[t, 0] += Marker;
                    x[t, 1] += labels[s] == 1 ? Signal : -Signal;
                }
                else
                {
                    x[t, 1] += rng.Next(2) == 1 ? Signal : -Signal;
                }
            }

            bags[s] = x;
        }

        return (new DenseBagSet("rationale", Dim, bags, labels), starts);
    }
}

/// <summary>What the selected tokens of a trained pooling say about the planted spans.</summary>
/// <param name="Accuracy">Test accuracy of the classifier.</param>
/// <param name="Precision">Mean fraction of the k selected tokens inside the planted span.</param>
/// <param name="Recall">Mean fraction of the span selected.</param>
/// <param name="Runs">Mean number of contiguous runs among the selected tokens (1 = one contiguous rationale).</param>
/// <param name="FinalLoss">Mean training loss of the last epoch.</param>
/// <param name="BagsPerSecond">Training steps per second.</param>
public sealed record RationaleResult(double Accuracy, double Precision, double Recall, double Runs, double FinalLoss, double BagsPerSecond);

/// <summary>
/// Trains the MIL model (token embedding, Hopfield pooling with k-subsets or sequential k-subsets over the tokens in
/// sequence order, linear classifier) on the rationale task and reads the rationale as the k tokens with the largest
/// pooling weights.
/// </summary>
public static class RationaleTask
{
    /// <summary>Trains on the first <see cref="RationaleData.Train"/> sequences of seed <paramref name="seed"/> and scores the rest.</summary>
    public static RationaleResult Run(RationaleData task, MilConfig config, int k, int seed)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(config);
        var (data, starts) = task.Generate(seed);
        var train = Enumerable.Range(0, task.Train).ToArray();
        var (model, loss, rate) = MilTrainer.Fit(data, train, config, seed + 1, data.Labels);
        model.Eval();
        var buffer = new Matrix(0, data.Features);
        var selected = new int[k];
        double hits = 0, runs = 0, precision = 0, recall = 0;
        for (var s = task.Train; s < data.Count; s++)
        {
            var logit = model.Forward(data.Bag(s, buffer));
            hits += (logit >= 0 ? 1 : 0) == data.Labels[s] ? 1 : 0;
            TopK(model.Pooling.Association.LastWeights[..task.Length], selected);
            var inside = selected.Count(t => t >= starts[s] && t < starts[s] + task.Span);
            precision += inside / (double)k;
            recall += inside / (double)task.Span;
            runs += Runs(selected);
        }

        var n = data.Count - task.Train;
        return new RationaleResult(hits / n, precision / n, recall / n, runs / n, loss, rate);
    }

    /// <summary>Indices of the k largest weights (ties to the lower index), ascending.</summary>
    public static void TopK(ReadOnlySpan<double> weights, Span<int> into)
    {
        var order = Enumerable.Range(0, weights.Length).ToArray();
        var w = weights.ToArray();
        Array.Sort(order, (a, b) => w[b] != w[a] ? w[b].CompareTo(w[a]) : a.CompareTo(b));
        order.AsSpan(0, into.Length).CopyTo(into);
        into.Sort();
    }

    /// <summary>Number of maximal runs of consecutive indices in an ascending list.</summary>
    public static int Runs(ReadOnlySpan<int> ascending)
    {
        var runs = ascending.IsEmpty ? 0 : 1;
        for (var i = 1; i < ascending.Length; i++)
        {
            runs += ascending[i] == ascending[i - 1] + 1 ? 0 : 1;
        }

        return runs;
    }
}
