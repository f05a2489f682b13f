using System.Diagnostics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Retrieval;

/// <summary>
/// The numeric work of one partition for one query (docs/architecture.md, "maps are threshold problems"): the score
/// summary (step 1), gathering, probing (step 3), the readout (step 4) and the support count. The local source runs
/// it on the whole bank as one partition, the partition actors on their row ranges. Every sum over rows
/// accumulates in float64.
/// </summary>
public static class PartitionScoring
{
    private static readonly float[] NoFloats = [];
    private static readonly double[] NoDoubles = [];
    private static readonly long[] NoLongs = [];

    /// <summary>Smallest global row id with ‖q − x_i‖∞ ≤ tol (rows as held, i.e. normalized), else −1 (docs/math.md §4, exact retrieval).</summary>
    public static long FindRetrieved(ReadOnlySpan<float> rows, int dim, long firstRow, ReadOnlySpan<double> q, double tol)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (q.Length != dim) throw new ArgumentException($"q: length {q.Length} must equal dim {dim}", nameof(q));
        var n = rows.Length / dim;
        for (var i = 0; i < n; i++)
        {
            var row = rows.Slice(i * dim, dim);
            var k = 0;
            while (k < dim && Math.Abs(q[k] - row[k]) <= tol) k++;
            if (k == dim) return firstRow + i;
        }

        return -1;
    }

    /// <summary>The summary of one query's float32 scores on a partition.</summary>
    /// <param name="rule">The map's candidate rule.</param>
    /// <param name="scores">The partition's scores for this query (−∞ = masked).</param>
    /// <param name="rows">The partition's rows, row-major.</param>
    /// <param name="dim">D.</param>
    /// <param name="firstRow">Global id of the partition's first row.</param>
    /// <param name="caps">Candidates, shipped rows and lead rows per query.</param>
    /// <param name="pairCap">Softmax final evaluation: ship up to this many (score, id) pairs (0: none).</param>
    /// <param name="retrieved">The retrieved row found for this query (−1: none or not looked up).</param>
    public static ScoreSummary Summarize(
        CandidateRule rule, ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim, long firstRow,
        CandidateCaps caps, int pairCap, long retrieved)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (max, finite) = Candidates.MaxFinite(scores);
        if (rule.IsSoftmax) return SummarizeSoftmax(scores, rows, dim, firstRow, max, finite, pairCap, retrieved);

        var k = rule.AnchorRank;
        var top = k == 1 ? (finite > 0 ? [max] : []) : Candidates.TopScores(scores, k);
        var anchor = top.Length >= k ? top[k - 1] : double.NegativeInfinity;
        var bound = rule.Bound(anchor);

        // Candidates: every finite score above the partition's own bound. The local anchor is ≤ the global
        // one and the bound grows with the anchor, so this list ⊇ the candidates above the global bound.
        var keep = Listed(scores, bound, rule.Inclusive, caps.Candidates, out var complete);
        var floor = complete ? bound : (keep.Length > 0 ? scores[keep[^1]] : double.PositiveInfinity);
        var (candScores, candIds) = Gather(scores, keep, firstRow);
        var shipped = complete && keep.Length <= caps.Rows ? keep.Length : complete ? 0 : Math.Min(caps.LeadRows, keep.Length);
        var candRows = shipped > 0 ? CopyRows(rows, dim, keep.AsSpan(0, shipped)) : NoFloats;
        return new ScoreSummary(max, top, finite, complete, floor, candScores, candIds, candRows, 0, NoDoubles, retrieved);
    }

    /// <summary>
    /// The summary of one query's float64 scores over the whole bank (the single-query path): every candidate
    /// above the bound (complete), ascending ids, the scores in <see cref="ScoreSummary.ExactScores"/>; no rows.
    /// </summary>
    public static ScoreSummary SummarizeExact(CandidateRule rule, ReadOnlySpan<double> scores, ReadOnlySpan<float> rows, int dim, bool wantPairs, long retrieved)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var max = double.NegativeInfinity;
        long finite = 0;
        var min = double.NaN;
        foreach (var s in scores)
        {
            if (!double.IsFinite(s)) continue;
            finite++;
            if (s > max) max = s;
            if (!(s >= min)) min = s;
        }

        if (rule.IsSoftmax)
        {
            var r = new double[dim];
            double z = 0, entropyPart = 0;
            var listed = new List<int>();
            for (var i = 0; i < scores.Length; i++)
            {
                var s = scores[i];
                if (!double.IsFinite(s)) continue;
                var e = Math.Exp(s - max);
                z += e;
                entropyPart += e * (s - max);
                Scoring.Readout.AddScaled(rows.Slice(i * dim, dim), e, r);
                if (wantPairs) listed.Add(i);
            }

            var (ps, pe, pi) = Listed(scores, listed);
            return new ScoreSummary(max, [max], finite, wantPairs, double.NegativeInfinity, ps, pi, NoFloats, z, r, retrieved)
            {
                Min = wantPairs ? min : double.NaN,
                SoftmaxS = entropyPart,
                ExactScores = pe,
            };
        }

        var k = rule.AnchorRank;
        var top = k == 1 ? (finite > 0 ? [max] : []) : Candidates.TopScores(scores, k);
        var anchor = top.Length >= k ? top[k - 1] : double.NegativeInfinity;
        var bound = rule.Bound(anchor);
        var cands = new List<int>();
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (double.IsFinite(s) && (s > bound || (rule.Inclusive && s == bound))) cands.Add(i);
        }

        var (cs, ce, ci) = Listed(scores, cands);
        return new ScoreSummary(max, top, finite, true, bound, cs, ci, NoFloats, 0, NoDoubles, retrieved) { ExactScores = ce };
    }

    private static (float[] Scores, double[] Exact, long[] Ids) Listed(ReadOnlySpan<double> scores, List<int> rows)
    {
        var f = new float[rows.Count];
        var e = new double[rows.Count];
        var ids = new long[rows.Count];
        for (var t = 0; t < rows.Count; t++)
        {
            e[t] = scores[rows[t]];
            f[t] = (float)e[t];
            ids[t] = rows[t];
        }

        return (f, e, ids);
    }

    private static ScoreSummary SummarizeSoftmax(
        ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim, long firstRow, double max, long finite, int pairCap, long retrieved)
    {
        // Online-softmax triple (m_p, Z_p, r_p): merges exactly across partitions (docs/architecture.md step 1).
        var r = new double[dim];
        double z = 0, entropyPart = 0;
        double min = double.NaN;
        if (finite > 0)
        {
            for (var i = 0; i < scores.Length; i++)
            {
                float s = scores[i];
                if (!float.IsFinite(s)) continue;
                if (!(s >= min)) min = s;
                var e = Math.Exp(s - max);
                z += e;
                entropyPart += e * (s - max);
                Scoring.Readout.AddScaled(rows.Slice(i * dim, dim), e, r);
            }
        }

        if (pairCap <= 0)
        {
            return new ScoreSummary(max, [max], finite, false, double.PositiveInfinity, NoFloats, NoLongs, NoFloats, z, r, retrieved) { SoftmaxS = entropyPart };
        }

        var keep = Listed(scores, double.NegativeInfinity, inclusive: false, pairCap, out var complete);
        var floor = complete ? double.NegativeInfinity : scores[keep[^1]];
        var (candScores, candIds) = Gather(scores, keep, firstRow);
        // The minimum lets the coordinator know the true support size when every row has weight > 0 (dense regimes).
        return new ScoreSummary(max, [max], finite, complete, floor, candScores, candIds, NoFloats, z, r, retrieved) { Min = min, SoftmaxS = entropyPart };
    }

    /// <summary>
    /// The candidate list: the top <paramref name="cap"/> above the bound, highest first; when the cap cannot cut
    /// (≥ every row: the local source's lists) every row above the bound in ascending order, without a heap or a sort.
    /// </summary>
    private static int[] Listed(ReadOnlySpan<float> scores, double bound, bool inclusive, int cap, out bool complete)
    {
        if (cap < scores.Length) return Candidates.TopAbove(scores, bound, inclusive, cap, out complete);
        complete = true;
        var all = new List<int>();
        for (var i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (float.IsFinite(s) && (s > bound || (inclusive && s == bound))) all.Add(i);
        }

        return [.. all];
    }

    /// <summary>Every (id, score) with θ ≥ bound, ids ascending, at most <paramref name="cap"/>.</summary>
    public static GatherPart GatherAbove(ReadOnlySpan<float> scores, long firstRow, double bound, int cap)
    {
        var ids = new List<long>();
        var vals = new List<float>();
        var complete = true;
        for (var i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (!float.IsFinite(s) || s < bound) continue;
            if (ids.Count == cap) { complete = false; break; }
            ids.Add(firstRow + i);
            vals.Add(s);
        }

        return new GatherPart([.. ids], [.. vals], complete);
    }

    /// <summary>Probe (step 3): mass summaries at each τ, added into a fresh array.</summary>
    public static MassSummary[] Probe(IThresholdMap map, ReadOnlySpan<float> scores, double[] taus)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(taus);
        var into = new MassSummary[taus.Length];
        if (taus.Length > 0) map.Probe(scores, taus, into);
        return into;
    }

    /// <summary>The weight the coordinator gives a softmax score: e^{θ − shift} / total (the same expression everywhere, so counts agree).</summary>
    public static double SoftmaxWeight(double score, double shift, double total) => Math.Exp(score - shift) / total;

    /// <summary>Rows of <paramref name="scores"/> whose softmax weight is &gt; 0 in float64 (NaN shift: the query takes no part, 0).</summary>
    public static long SupportCount(ReadOnlySpan<float> scores, double shift, double total)
    {
        if (double.IsNaN(shift)) return 0;
        // e^{θ−shift}/total is surely > 0 above shift + ln total − 739 (≥ e^{−739} ≫ the smallest double) and surely 0 at
        // or below shift + ln total − 747 (≤ e^{−747} < half the smallest double): only the rows between are evaluated.
        var log = Math.Log(total);
        var sure = shift + log - 739;
        var never = shift + log - 747;
        long count = 0;
        foreach (var s in scores)
        {
            if (!float.IsFinite(s)) continue;
            if (s > sure) count++;
            else if (s > never && SoftmaxWeight(s, shift, total) > 0) count++;
        }

        return count;
    }

    /// <summary>Readout (step 4): Σ w_i x_i, Σ w_i, count, and the largest (id, weight) pairs, ids ascending.</summary>
    /// <param name="mode">How to weigh.</param>
    /// <param name="map">The threshold map (<see cref="ReadoutMode.Threshold"/>).</param>
    /// <param name="tau">τ (Threshold) or the shift (Softmax).</param>
    /// <param name="explicitIds">Explicit: global ids held by this partition.</param>
    /// <param name="explicitWeights">Explicit: their weights.</param>
    /// <param name="scores">The partition's scores for this query (Threshold, Softmax).</param>
    /// <param name="rows">The partition's rows.</param>
    /// <param name="dim">D.</param>
    /// <param name="firstRow">Global id of the partition's first row.</param>
    /// <param name="pairCap">Ship at most this many pairs (0: none).</param>
    public static ReadoutPart Readout(
        ReadoutMode mode, IThresholdMap? map, double tau, long[]? explicitIds, double[]? explicitWeights,
        ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim, long firstRow, int pairCap)
    {
        if (mode == ReadoutMode.Skip) return new ReadoutPart(0, 0, NoDoubles, NoLongs, NoDoubles);
        var readout = new double[dim];
        var local = new List<int>();
        var weights = new List<double>();
        var acc = new Accumulator(readout, local, weights, mode == ReadoutMode.Threshold ? map : null);

        switch (mode)
        {
            case ReadoutMode.Explicit:
                if (explicitIds is null || explicitWeights is null || explicitIds.Length != explicitWeights.Length)
                    throw new ArgumentException("explicit readout: ids and weights must be given with equal lengths", nameof(explicitIds));
                for (var t = 0; t < explicitIds.Length; t++) acc.Add(rows, dim, checked((int)(explicitIds[t] - firstRow)), explicitWeights[t]);
                break;
            case ReadoutMode.Softmax:
                for (var i = 0; i < scores.Length; i++)
                {
                    if (float.IsFinite(scores[i])) acc.Add(rows, dim, i, Math.Exp(scores[i] - tau));
                }

                break;
            default:
                if (map is null) throw new ArgumentException("threshold readout: the map must be a threshold map", nameof(map));
                for (var i = 0; i < scores.Length; i++)
                {
                    if (float.IsFinite(scores[i])) acc.Add(rows, dim, i, map.Weight(scores[i], tau));
                }

                break;
        }

        // Largest pairs first, then ascending ids.
        var keepCount = Math.Min(pairCap, local.Count);
        var order = Enumerable.Range(0, local.Count).ToArray();
        if (keepCount < local.Count)
        {
            var keys = weights.Select(w => -w).ToArray();
            Array.Sort(keys, order);
        }

        var kept = order.AsSpan(0, keepCount).ToArray();
        // Every pair kept: already in row order (explicit lists in the caller's order are sorted here).
        if (keepCount < local.Count || mode == ReadoutMode.Explicit) Array.Sort(kept, (a, b) => local[a].CompareTo(local[b]));
        var pairIds = new long[keepCount];
        var pairWeights = new double[keepCount];
        for (var t = 0; t < keepCount; t++)
        {
            pairIds[t] = firstRow + local[kept[t]];
            pairWeights[t] = weights[kept[t]];
        }

        return new ReadoutPart(acc.Sum, acc.Count, readout, pairIds, pairWeights) { RegularizerSum = acc.Regularizer };
    }

    private sealed class Accumulator(double[] readout, List<int> local, List<double> weights, IThresholdMap? map)
    {
        public double Sum { get; private set; }

        /// <summary>Σ g(w_i) of the map's regularizer (threshold weights only).</summary>
        public double Regularizer { get; private set; }

        public long Count { get; private set; }

        public void Add(ReadOnlySpan<float> rows, int dim, int i, double w)
        {
            if (!(w > 0)) return;
            Sum += w;
            Count++;
            if (map is not null) Regularizer += map.RegularizerTerm(w);
            Scoring.Readout.AddScaled(rows.Slice(i * dim, dim), w, readout);
            local.Add(i);
            weights.Add(w);
        }
    }

    private static (float[] Scores, long[] Ids) Gather(ReadOnlySpan<float> scores, int[] keep, long firstRow)
    {
        var s = new float[keep.Length];
        var ids = new long[keep.Length];
        for (var t = 0; t < keep.Length; t++)
        {
            s[t] = scores[keep[t]];
            ids[t] = firstRow + keep[t];
        }

        return (s, ids);
    }

    private static float[] CopyRows(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<int> keep)
    {
        Debug.Assert(dim >= 1);
        var dst = new float[keep.Length * dim];
        for (var t = 0; t < keep.Length; t++) rows.Slice(keep[t] * dim, dim).CopyTo(dst.AsSpan(t * dim, dim));
        return dst;
    }
}

/// <summary>Per-query caps of a partition's score summary.</summary>
/// <param name="Candidates">Candidates per query (highest scores first).</param>
/// <param name="Rows">Rows travel with a complete candidate list only when it has at most this many.</param>
/// <param name="LeadRows">An incomplete candidate list still carries the rows of its top this-many candidates.</param>
public readonly record struct CandidateCaps(int Candidates, int Rows, int LeadRows);

/// <summary>
/// A map's candidate rule: which scores can carry weight given the anchor (the AnchorRank-th largest score), and
/// whether the softmax online path applies instead (docs/architecture.md, "maps are threshold problems").
/// </summary>
public sealed class CandidateRule
{
    private readonly IThresholdMap? _threshold;
    private readonly double _seqMargin = double.NaN;

    /// <summary>The rule of <paramref name="spec"/> (<paramref name="map"/>: an instance of it, e.g. one given by the caller).</summary>
    public CandidateRule(MapSpec spec, IMap map)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(map);
        Spec = spec;
        IsSoftmax = IsSoftmaxSpec(spec);
        IsSequential = spec.Kind == MapKind.SeqKSubsets;
        _threshold = IsSoftmax ? null : map as IThresholdMap;
        if (IsSequential) _seqMargin = SequentialKSubsets.CandidateMargin(spec.W, spec.Compat);
        AnchorRank = _threshold?.AnchorRank ?? (IsSequential ? spec.SubsetSize : 1);
    }

    /// <summary>The map.</summary>
    public MapSpec Spec { get; }

    /// <summary>Softmax (also entmax with α = 1): the online-softmax path.</summary>
    public bool IsSoftmax { get; }

    /// <summary>Sequential k-subsets: candidates within a margin of θ_(k), solved on the coordinator (gather when cut).</summary>
    public bool IsSequential { get; }

    /// <summary>The threshold map, when the map is one (not softmax).</summary>
    public IThresholdMap? Threshold => _threshold;

    /// <summary>Rank of the score that anchors the candidate bound (1 = max; k for k-subsets and sequential k-subsets).</summary>
    public int AnchorRank { get; }

    /// <summary>True when a score at exactly the bound is a candidate (sequential k-subsets' bound is inclusive).</summary>
    public bool Inclusive => IsSequential;

    /// <summary>Softmax (also entmax with α = 1).</summary>
    public static bool IsSoftmaxSpec(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind == MapKind.Softmax || (spec.Kind == MapKind.Entmax && spec.Alpha == 1.0);
    }

    /// <summary>Scores ≤ this bound (threshold maps) or below it (sequential k-subsets) never carry weight; −∞ for other maps.</summary>
    public double Bound(double anchor)
    {
        if (double.IsNegativeInfinity(anchor)) return double.NegativeInfinity;
        if (_threshold is not null) return _threshold.SupportBound(anchor);
        return IsSequential ? anchor - _seqMargin : double.NegativeInfinity;
    }
}
