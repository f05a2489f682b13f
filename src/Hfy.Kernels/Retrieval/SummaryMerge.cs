using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Retrieval;

/// <summary>A candidate row after the merge: global id, score, and its row when the partition shipped it (else empty).</summary>
public readonly record struct MergedCandidate(long Id, double Score, ReadOnlyMemory<float> Row);

/// <summary>The union of the partitions' candidate lists for one query (threshold maps, sequential k-subsets).</summary>
/// <param name="Max">Global max θ.</param>
/// <param name="Anchor">Global AnchorRank-th largest θ (−∞ when fewer finite scores).</param>
/// <param name="Bound">The global support bound at the anchor.</param>
/// <param name="Finite">Finite scores over every partition.</param>
/// <param name="Complete">Every row above the global bound is in <paramref name="Candidates"/>.</param>
/// <param name="Floor">When not complete: the highest floor F of the cut lists (every left-out row scores ≤ F).</param>
/// <param name="Candidates">The candidates above the global bound, partition by partition in list order.</param>
public sealed record CandidateUnion(double Max, double Anchor, double Bound, long Finite, bool Complete, double Floor, List<MergedCandidate> Candidates);

/// <summary>The softmax final weights from the shipped pairs, and the support size when the pairs decide it.</summary>
/// <param name="Pairs">(row id, weight) with weight &gt; 0.</param>
/// <param name="Support">The true support size (valid when <paramref name="Decided"/>).</param>
/// <param name="Decided">False when some partition's unlisted rows may still weigh &gt; 0: a support-count round decides.</param>
public sealed record SoftmaxPairs(List<(long Id, double W)> Pairs, long Support, bool Decided);

/// <summary>One query's merged readout: Σ over partitions.</summary>
/// <param name="Z">Σ_p Σ_i w_i x_i (unnormalized).</param>
/// <param name="WeightSum">Σ w_i.</param>
/// <param name="RegularizerSum">Σ g(w_i) (threshold readouts).</param>
/// <param name="Count">Rows with w_i &gt; 0.</param>
public sealed record MergedReadout(double[] Z, double WeightSum, double RegularizerSum, long Count);

/// <summary>
/// The merge functions of the retrieval protocol (docs/architecture.md, "maps are threshold problems"): the
/// partitions' answers to one round combined into the bank's. Pure functions of the parts, in partition order.
/// </summary>
public static class SummaryMerge
{
    /// <summary>Online-softmax merge of the partitions' (m, Z, r, S): the bank's softmax state (step 1).</summary>
    public static OnlineSoftmaxState Softmax(IReadOnlyList<ScoreSummary> parts, int dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var acc = OnlineSoftmaxState.Empty(dim);
        foreach (var s in parts)
        {
            if (s.Finite > 0) acc = acc.Merge(new OnlineSoftmaxState(s.Max, s.SoftmaxZ, s.SoftmaxR) { S = s.SoftmaxS });
        }

        return acc;
    }

    /// <summary>
    /// Softmax final evaluation: the weights e^{θ − m}/Z of the shipped pairs, and the true support size. A partition
    /// whose list holds every row, or whose unlisted rows (all ≤ Floor) weigh 0, contributes its listed count; one
    /// whose smallest score still weighs &gt; 0 contributes every finite row; otherwise only counting decides it.
    /// </summary>
    public static SoftmaxPairs SoftmaxFinal(IReadOnlyList<ScoreSummary> parts, double max, double total)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var pairs = new List<(long Id, double W)>();
        long support = 0;
        var decided = true;
        foreach (var s in parts)
        {
            long listed = 0;
            for (var t = 0; t < s.Ids.Length; t++)
            {
                var w = PartitionScoring.SoftmaxWeight(s.ScoreAt(t), max, total);
                if (!(w > 0)) continue;
                pairs.Add((s.Ids[t], w));
                listed++;
            }

            if (s.Finite == 0) continue;
            if (s.Complete || !(PartitionScoring.SoftmaxWeight(s.Floor, max, total) > 0)) support += listed;
            else if (PartitionScoring.SoftmaxWeight(s.Min, max, total) > 0) support += s.Finite;
            else decided = false;
        }

        return new SoftmaxPairs(pairs, support, decided);
    }

    /// <summary>
    /// The global anchor and bound from the partitions' top lists, and the union of their candidates above it. A cut
    /// list is still complete above the global bound when every row it left out scores ≤ its floor ≤ the bound.
    /// </summary>
    public static CandidateUnion Candidates(CandidateRule rule, IReadOnlyList<ScoreSummary> parts, int dim)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(parts);
        var k = rule.AnchorRank;
        var max = double.NegativeInfinity;
        long finite = 0;
        var tops = new List<double>();
        foreach (var s in parts)
        {
            max = Math.Max(max, s.Max);
            finite += s.Finite;
            tops.AddRange(s.Top);
        }

        tops.Sort((a, b) => b.CompareTo(a));
        var anchor = tops.Count >= k ? tops[k - 1] : double.NegativeInfinity;
        var bound = rule.Bound(anchor);
        var inclusive = rule.Inclusive;

        var complete = true;
        var floor = double.NegativeInfinity;
        foreach (var s in parts)
        {
            if (!(s.Complete || s.Floor < bound || (!inclusive && s.Floor <= bound))) complete = false;
            if (!(s.Complete || s.Floor < bound)) floor = Math.Max(floor, s.Floor);
        }

        // Sized once: the list of a wide support (thousands of 32-byte entries) is a large object, and growing it by
        // doubling left a trail of them for every query of every step.
        bool Kept(double v) => v > bound || (inclusive && v == bound);
        var count = 0;
        foreach (var s in parts)
        {
            for (var t = 0; t < s.Ids.Length; t++)
            {
                if (Kept(s.ScoreAt(t))) count++;
            }
        }

        var cands = new List<MergedCandidate>(count);
        foreach (var s in parts)
        {
            var shipped = dim == 0 ? 0 : s.Rows.Length / dim;
            for (var t = 0; t < s.Ids.Length; t++)
            {
                var v = s.ScoreAt(t);
                if (!Kept(v)) continue;
                cands.Add(new MergedCandidate(s.Ids[t], v, t < shipped ? s.Rows.AsMemory(t * dim, dim) : default));
            }
        }

        return new CandidateUnion(max, anchor, bound, finite, complete, floor, cands);
    }

    /// <summary>Sums the partitions' mass summaries of one query at each of its τ (step 3).</summary>
    public static MassSummary[] Probe(IReadOnlyList<MassSummary[][]> parts, int query, int taus)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var summed = new MassSummary[taus];
        foreach (var p in parts)
        {
            var sums = p[query];
            for (var t = 0; t < taus; t++) summed[t] += sums[t];
        }

        return summed;
    }

    /// <summary>Sums the partitions' readouts of one query (step 4).</summary>
    public static MergedReadout Readout(IReadOnlyList<ReadoutPart[]> parts, int query, int dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var z = new double[dim];
        double total = 0, regularizer = 0;
        long count = 0;
        foreach (var p in parts)
        {
            var q = p[query];
            total += q.WeightSum;
            regularizer += q.RegularizerSum;
            count += q.Count;
            for (var j = 0; j < q.Readout.Length; j++) z[j] += q.Readout[j];
        }

        return new MergedReadout(z, total, regularizer, count);
    }

    /// <summary>
    /// One query's gathered pairs from every partition's chunks (partitions in index order, chunks in order), so
    /// ids come out ascending (partitions hold contiguous row ranges); scores widened to float64.
    /// </summary>
    /// <returns>Ids, scores, and whether every list was complete.</returns>
    public static (long[] Ids, double[] Scores, bool Complete) Gathered(IReadOnlyList<GatherPart[]> chunks, int query)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        long n = 0;
        var complete = true;
        foreach (var chunk in chunks)
        {
            var part = chunk[query];
            n += part.Ids.Length;
            complete &= part.Complete;
        }

        var ids = new long[n];
        var scores = new double[n];
        long at = 0;
        foreach (var chunk in chunks)
        {
            var part = chunk[query];
            part.Ids.CopyTo(ids.AsSpan((int)at));
            for (var t = 0; t < part.Scores.Length; t++) scores[at + t] = part.Scores[t];
            at += part.Ids.Length;
        }

        return (ids, scores, complete);
    }
}
