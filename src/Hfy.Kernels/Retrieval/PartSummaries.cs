using MessagePack;

namespace Hfy.Kernels.Retrieval;

// What one partition (a contiguous row range; the local source's one partition is the whole bank) answers in each
// round of a retrieval step (docs/architecture.md, "maps are threshold problems"). The records are the wire
// contracts of the distributed protocol too, hence the MessagePack keys (attributes only: the kernels do not
// serialize anything themselves).

/// <summary>One query's score summary from one partition (the score round).</summary>
/// <param name="Max">Partition max θ (−∞ when the partition has no finite score).</param>
/// <param name="Top">The partition's top-k scores, descending (k = the map's anchor rank).</param>
/// <param name="Finite">Number of finite scores.</param>
/// <param name="Complete">True when <paramref name="Ids"/> holds every row above the partition's own support bound
/// (or, for softmax pairs, every row).</param>
/// <param name="Floor">Lowest score included in the candidate list (+∞ when empty); every omitted row scores ≤ Floor.</param>
/// <param name="Scores">Candidate scores (float32, as the partition scored them), descending; in ascending row order
/// when the cap could not cut the list (at least as many as the partition's rows).</param>
/// <param name="Ids">Candidate global row ids, same order.</param>
/// <param name="Rows">Rows of the first Rows.Length / D candidates (row-major): all of them when the list is complete
/// and small, the top lead rows when it is not.</param>
/// <param name="SoftmaxZ">Softmax: Z_p = Σ e^{θ_i − Max} (float64).</param>
/// <param name="SoftmaxR">Softmax: r_p = Σ e^{θ_i − Max} x_i (float64, length D).</param>
/// <param name="Retrieved">Final evaluation: smallest global row id within the retrieved tolerance of the state (∞-norm), else −1.</param>
[MessagePackObject]
public sealed record ScoreSummary(
    [property: Key(0)] double Max,
    [property: Key(1)] double[] Top,
    [property: Key(2)] long Finite,
    [property: Key(3)] bool Complete,
    [property: Key(4)] double Floor,
    [property: Key(5)] float[] Scores,
    [property: Key(6)] long[] Ids,
    [property: Key(7)] float[] Rows,
    [property: Key(8)] double SoftmaxZ,
    [property: Key(9)] double[] SoftmaxR,
    [property: Key(10)] long Retrieved)
{
    /// <summary>
    /// Softmax final evaluation: the partition's smallest finite θ (NaN when not reported). When its weight is &gt; 0,
    /// every finite row of the partition is in the support, so the true support size is known without listing it.
    /// </summary>
    [Key(11)]
    public double Min { get; init; } = double.NaN;

    /// <summary>Softmax: S_p = Σ e^{θ_i − Max}(θ_i − Max) (float64), for Ω(p) = Σ p log p in the energy.</summary>
    [Key(12)]
    public double SoftmaxS { get; init; }

    /// <summary>
    /// The candidate scores in float64 when the source scored in float64 (the single-query local path); empty
    /// otherwise, and then <see cref="Scores"/> are the values.
    /// </summary>
    [Key(13)]
    public double[] ExactScores { get; init; } = [];

    /// <summary>Candidate t's score: float64 when the source has it, else the float32 score widened.</summary>
    public double ScoreAt(int t) => ExactScores.Length > 0 ? ExactScores[t] : Scores[t];
}

/// <summary>Gathered candidates of one query (or a contiguous run of them): ids ascending, their scores, and whether none was left out.</summary>
[MessagePackObject]
public sealed record GatherPart(
    [property: Key(0)] long[] Ids,
    [property: Key(1)] float[] Scores,
    [property: Key(2)] bool Complete);

/// <summary>How a partition turns its scores into weights in a readout round.</summary>
public enum ReadoutMode
{
    /// <summary>The query is not part of this readout.</summary>
    Skip,
    /// <summary>w_i = map.Weight(θ_i, τ).</summary>
    Threshold,
    /// <summary>w_i = e^{θ_i − shift} (softmax; the caller divides by the global Z).</summary>
    Softmax,
    /// <summary>The coordinator lists (row id, weight) pairs explicitly (exact solve on candidates).</summary>
    Explicit,
}

/// <summary>One query's readout from one partition.</summary>
/// <param name="WeightSum">Σ w_i (float64).</param>
/// <param name="Count">Number of rows with w_i &gt; 0.</param>
/// <param name="Readout">Σ w_i x_i (float64, length D; empty when the query was skipped).</param>
/// <param name="PairIds">Row ids of the largest weights, ascending.</param>
/// <param name="PairWeights">Their weights.</param>
[MessagePackObject]
public sealed record ReadoutPart(
    [property: Key(0)] double WeightSum,
    [property: Key(1)] long Count,
    [property: Key(2)] double[] Readout,
    [property: Key(3)] long[] PairIds,
    [property: Key(4)] double[] PairWeights)
{
    /// <summary>Threshold readouts: Σ g(w_i), the additive part of Ω (<see cref="Maps.IThresholdMap.RegularizerTerm"/>), for the energy.</summary>
    [Key(5)]
    public double RegularizerSum { get; init; }
}
