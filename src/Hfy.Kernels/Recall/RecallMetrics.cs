namespace Hfy.Kernels.Recall;

/// <summary>The recall metrics of docs/math.md §5.</summary>
public static class RecallMetrics
{
    /// <summary>Unique memory ratio: |distinct recalled| / number recalled (1 when nothing repeats).</summary>
    public static double UniqueMemoryRatio(ReadOnlySpan<int> recalled)
    {
        if (recalled.IsEmpty) return 0;
        var seen = new HashSet<int>();
        foreach (int r in recalled) seen.Add(r);
        return (double)seen.Count / recalled.Length;
    }

    /// <summary>Edit distance (insertions, deletions, substitutions of one item each).</summary>
    public static int Levenshtein(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                cur[j] = Math.Min(sub, Math.Min(prev[j] + 1, cur[j - 1] + 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>
    /// Levenshtein coefficient 1 − lev(recalled, first, first+1, …, first+n−1)/n with n = recalled.Length:
    /// 1 when the memories came back exactly in stored order.
    /// </summary>
    public static double LevenshteinCoefficient(ReadOnlySpan<int> recalled, int first = 0)
    {
        if (recalled.IsEmpty) return 0;
        var target = new int[recalled.Length];
        for (int i = 0; i < target.Length; i++) target[i] = first + i;
        return 1.0 - (double)Levenshtein(recalled, target) / recalled.Length;
    }
}
