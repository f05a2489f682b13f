namespace Hfy.Actors.Partitions;

/// <summary>
/// The true size of a softmax support: rows whose final weight e^{θ_i − m} / Z is &gt; 0 in float64 (it underflows to 0
/// for θ_i ≲ m − 745). The result lists only the largest weights when the support exceeds the pair cap, so the size
/// travels separately.
/// </summary>
internal static class SoftmaxSupport
{
    /// <summary>The weight the coordinator gives a score: e^{θ − shift} / total (the same expression everywhere, so counts agree).</summary>
    public static double Weight(double score, double shift, double total) => Math.Exp(score - shift) / total;

    /// <summary>Rows of <paramref name="scores"/> with a weight &gt; 0 (NaN shift: the query takes no part, 0).</summary>
    public static long Count(ReadOnlySpan<float> scores, double shift, double total)
    {
        if (double.IsNaN(shift)) return 0;
        long count = 0;
        foreach (var s in scores)
        {
            if (float.IsFinite(s) && Weight(s, shift, total) > 0) count++;
        }

        return count;
    }
}
