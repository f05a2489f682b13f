namespace Hfy.Learning.Mil;

/// <summary>Classification metrics on bag scores.</summary>
public static class Metrics
{
    /// <summary>
    /// ROC-AUC (sklearn <c>roc_auc_score</c>): the Mann–Whitney statistic with tied scores counted ½;
    /// NaN when only one class is present.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"labels: length must equal scores ({scores.Length}, got {labels.Length})", nameof(labels));
        }

        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var s = scores.ToArray();
        Array.Sort(order, (a, b) => s[a].CompareTo(s[b]));
        double rankSum = 0;
        long positives = 0;
        var j = 0;
        while (j < order.Length)
        {
            var end = j;
            while (end + 1 < order.Length && s[order[end + 1]] == s[order[j]])
            {
                end++;
            }

            var rank = ((j + end) / 2.0) + 1.0;
            for (var t = j; t <= end; t++)
            {
                if (labels[order[t]] == 1)
                {
                    rankSum += rank;
                    positives++;
                }
            }

            j = end + 1;
        }

        long negatives = scores.Length - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    /// <summary>Fraction of bags with (score ≥ 0.5) == label.</summary>
    public static double Accuracy(ReadOnlySpan<double> probabilities, ReadOnlySpan<int> labels)
    {
        var hits = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            hits += (probabilities[i] >= 0.5 ? 1 : 0) == labels[i] ? 1 : 0;
        }

        return probabilities.Length == 0 ? double.NaN : hits / (double)probabilities.Length;
    }

    /// <summary>Mean and population std (ddof = 0, as <c>np.std</c>).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        var mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count));
    }
}
