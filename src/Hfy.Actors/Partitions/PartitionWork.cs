using System.Diagnostics;
using System.Numerics;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Actors.Partitions;

/// <summary>
/// The numeric work of one partition for one query, without actors: the score summary (architecture.md
/// step 1), gathering, probing (step 3) and the readout (step 4). Every sum over rows accumulates in float64.
/// </summary>
internal static class PartitionWork
{
    private static readonly float[] NoFloats = [];
    private static readonly double[] NoDoubles = [];
    private static readonly long[] NoLongs = [];

    /// <summary>Softmax (also entmax with α = 1): the online-softmax path.</summary>
    public static bool IsSoftmax(MapSpec spec) => spec.Kind == MapKind.Softmax || (spec.Kind == MapKind.Entmax && spec.Alpha == 1.0);

    /// <summary>Smallest global row id with ‖q − x_i‖∞ ≤ tol (rows as held, i.e. normalized), else −1 (hfy-math.md §4, exact retrieval).</summary>
    public static long FindRetrieved(ReadOnlySpan<float> rows, int dim, long firstRow, ReadOnlySpan<double> q, double tol)
    {
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

    /// <summary>Rank of the score that anchors the candidate bound (1 = max; k for k-subsets and sequential k-subsets).</summary>
    public static int AnchorRank(MapSpec spec, IMap? map) => map switch
    {
        IThresholdMap t => t.AnchorRank,
        _ => spec.Kind == MapKind.SeqKSubsets ? spec.SubsetSize : 1,
    };

    /// <summary>Scores ≤ this bound (threshold maps) or below it (sequential k-subsets) never carry weight, given an anchor score.</summary>
    public static double CandidateBound(MapSpec spec, IMap? map, double anchor)
    {
        if (double.IsNegativeInfinity(anchor)) return double.NegativeInfinity;
        return map switch
        {
            IThresholdMap t => t.SupportBound(anchor),
            _ when spec.Kind == MapKind.SeqKSubsets => anchor - SequentialKSubsets.CandidateMargin(spec.W, spec.Compat),
            _ => double.NegativeInfinity,
        };
    }

    /// <summary>True when a score at exactly the bound is a candidate (sequential k-subsets' bound is inclusive).</summary>
    public static bool BoundInclusive(MapSpec spec) => spec.Kind == MapKind.SeqKSubsets;

    /// <summary>The summary of one query's scores on this partition.</summary>
    public static ScoreSummary Summarize(
        MapSpec spec, IMap? map, ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim, long firstRow,
        int candidateCap, int rowCap, int pairCap, long retrieved, int leadRows = 0)
    {
        var (max, finite) = MaxFinite(scores);

        if (IsSoftmax(spec))
        {
            return SummarizeSoftmax(scores, rows, dim, firstRow, max, finite, pairCap, retrieved);
        }

        var k = AnchorRank(spec, map);
        var top = k == 1 ? (finite > 0 ? [max] : []) : TopScores(scores, k);
        var anchor = top.Length >= k ? top[k - 1] : double.NegativeInfinity;
        var bound = CandidateBound(spec, map, anchor);
        var inclusive = BoundInclusive(spec);

        // Candidates: every finite score above the partition's own bound. The local anchor is ≤ the global
        // one and the bound grows with the anchor, so this list ⊇ the candidates above the global bound.
        var keep = TopAbove(scores, bound, inclusive, candidateCap, out var complete);
        var floor = complete ? bound : (keep.Length > 0 ? scores[keep[^1]] : double.PositiveInfinity);
        var (candScores, candIds) = Gather(scores, keep, firstRow);
        var shipped = complete && keep.Length <= rowCap ? keep.Length : complete ? 0 : Math.Min(leadRows, keep.Length);
        var candRows = shipped > 0 ? CopyRows(rows, dim, keep.AsSpan(0, shipped)) : NoFloats;
        return new ScoreSummary(max, top, finite, complete, floor, candScores, candIds, candRows, 0, NoDoubles, retrieved);
    }

    /// <summary>The largest finite score (−∞ when none) and the number of finite scores, a SIMD block at a time.</summary>
    public static (double Max, long Finite) MaxFinite(ReadOnlySpan<float> scores)
    {
        float max = float.NegativeInfinity;
        long finite = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count)
        {
            var w = Vector<float>.Count;
            var vmax = new Vector<float>(float.NegativeInfinity);
            for (; i <= scores.Length - w; i += w)
            {
                var v = new Vector<float>(scores.Slice(i, w));
                // x − x is 0 exactly for finite x (NaN for ±∞ and NaN).
                if (Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    vmax = Vector.Max(vmax, v);
                    finite += w;
                    continue;
                }

                for (var b = i; b < i + w; b++) Visit(scores[b], ref max, ref finite);
            }

            for (var j = 0; j < w; j++) max = Math.Max(max, vmax[j]);
        }

        for (; i < scores.Length; i++) Visit(scores[i], ref max, ref finite);
        return (finite > 0 ? max : double.NegativeInfinity, finite);

        static void Visit(float s, ref float max, ref long finite)
        {
            if (!float.IsFinite(s)) return;
            finite++;
            if (s > max) max = s;
        }
    }

    /// <summary>
    /// Indices of the finite scores above <paramref name="bound"/> (or at it when inclusive), highest first, at most
    /// <paramref name="cap"/>; <paramref name="complete"/> says whether none was left out. A bounded min-heap keeps
    /// the selection O(n + c log c · log n) when the list is cut, instead of sorting every score above the bound.
    /// </summary>
    public static int[] TopAbove(ReadOnlySpan<float> scores, double bound, bool inclusive, int cap, out bool complete)
    {
        Debug.Assert(cap >= 1);
        var heap = new PriorityQueue<int, float>(cap + 1);
        var above = 0;

        // Blocks with no score above the float just at or below the bound hold no candidate: skipped by SIMD.
        var cut = (float)bound;
        if (cut > bound || (inclusive && cut == bound)) cut = MathF.BitDecrement(cut);
        var i = 0;
        if (Vector.IsHardwareAccelerated && scores.Length >= Vector<float>.Count && !float.IsNaN(cut))
        {
            var w = Vector<float>.Count;
            var vcut = new Vector<float>(cut);
            for (; i <= scores.Length - w; i += w)
            {
                if (!Vector.GreaterThanAny(new Vector<float>(scores.Slice(i, w)), vcut)) continue;
                for (var b = i; b < i + w; b++) Offer(scores, b);
            }
        }

        for (; i < scores.Length; i++) Offer(scores, i);

        complete = above <= cap;
        // Highest first; equal scores by ascending row (the heap's order among ties is arbitrary).
        var order = new (float NegScore, int Index)[heap.Count];
        for (var t = 0; t < order.Length; t++)
        {
            var row = heap.Dequeue();
            order[t] = (-scores[row], row);
        }

        Array.Sort(order);
        var keep = new int[order.Length];
        for (var t = 0; t < keep.Length; t++) keep[t] = order[t].Index;
        return keep;

        void Offer(ReadOnlySpan<float> all, int i)
        {
            float s = all[i];
            if (!float.IsFinite(s) || !(s > bound || (inclusive && s == bound))) return;
            above++;
            if (heap.Count < cap) heap.Enqueue(i, s);
            else if (heap.TryPeek(out _, out var lowest) && s > lowest) heap.EnqueueDequeue(i, s);
        }
    }

    private static ScoreSummary SummarizeSoftmax(
        ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim, long firstRow, double max, long finite, int pairCap, long retrieved)
    {
        // Online-softmax triple (m_p, Z_p, r_p): merges exactly across partitions (architecture.md step 1).
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
                Hfy.Kernels.Scoring.Readout.AddScaled(rows.Slice(i * dim, dim), e, r);
            }
        }

        if (pairCap <= 0)
        {
            return new ScoreSummary(max, [max], finite, false, double.PositiveInfinity, NoFloats, NoLongs, NoFloats, z, r, retrieved) { SoftmaxS = entropyPart };
        }

        var keep = TopAbove(scores, double.NegativeInfinity, inclusive: false, pairCap, out var complete);
        var floor = complete ? double.NegativeInfinity : scores[keep[^1]];
        var (candScores, candIds) = Gather(scores, keep, firstRow);
        // The minimum lets the coordinator know the true support size when every row has weight > 0 (dense regimes).
        return new ScoreSummary(max, [max], finite, complete, floor, candScores, candIds, NoFloats, z, r, retrieved) { Min = min, SoftmaxS = entropyPart };
    }

    /// <summary>The <paramref name="k"/> largest finite scores, descending (fewer when the partition has fewer).</summary>
    public static double[] TopScores(ReadOnlySpan<float> scores, int k)
    {
        Debug.Assert(k >= 1);
        var heap = new PriorityQueue<float, float>(k + 1);
        foreach (var s in scores)
        {
            if (!float.IsFinite(s)) continue;
            if (heap.Count < k) heap.Enqueue(s, s);
            else if (s > heap.Peek()) heap.EnqueueDequeue(s, s);
        }

        var top = new double[heap.Count];
        for (var i = top.Length - 1; i >= 0; i--) top[i] = heap.Dequeue();
        return top;
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
        var into = new MassSummary[taus.Length];
        if (taus.Length > 0) map.Probe(scores, taus, into);
        return into;
    }

    /// <summary>Readout (step 4): Σ w_i x_i, Σ w_i, count, the largest pairs and optionally the top row.</summary>
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
                Debug.Assert(explicitIds is not null && explicitWeights is not null);
                for (var t = 0; t < explicitIds.Length; t++) acc.Add(rows, dim, checked((int)(explicitIds[t] - firstRow)), explicitWeights[t]);
                break;
            case ReadoutMode.Softmax:
                for (var i = 0; i < scores.Length; i++)
                {
                    if (float.IsFinite(scores[i])) acc.Add(rows, dim, i, Math.Exp(scores[i] - tau));
                }

                break;
            default:
                Debug.Assert(map is not null);
                for (var i = 0; i < scores.Length; i++)
                {
                    if (float.IsFinite(scores[i])) acc.Add(rows, dim, i, map.Weight(scores[i], tau));
                }

                break;
        }

        var (sum, count) = (acc.Sum, acc.Count);

        // Largest pairs first, then ascending ids.
        var keepCount = Math.Min(pairCap, local.Count);
        var order = Enumerable.Range(0, local.Count).ToArray();
        if (keepCount < local.Count)
        {
            var keys = weights.Select(w => -w).ToArray();
            Array.Sort(keys, order);
        }

        var kept = order.AsSpan(0, keepCount).ToArray();
        Array.Sort(kept, (a, b) => local[a].CompareTo(local[b]));
        var pairIds = new long[keepCount];
        var pairWeights = new double[keepCount];
        for (var t = 0; t < keepCount; t++)
        {
            pairIds[t] = firstRow + local[kept[t]];
            pairWeights[t] = weights[kept[t]];
        }

        return new ReadoutPart(sum, count, readout, pairIds, pairWeights) { RegularizerSum = acc.Regularizer };
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
            Hfy.Kernels.Scoring.Readout.AddScaled(rows.Slice(i * dim, dim), w, readout);
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
        var dst = new float[keep.Length * dim];
        for (var t = 0; t < keep.Length; t++) rows.Slice(keep[t] * dim, dim).CopyTo(dst.AsSpan(t * dim, dim));
        return dst;
    }
}
