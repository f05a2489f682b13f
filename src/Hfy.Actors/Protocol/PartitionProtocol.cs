using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;
using MessagePack;

namespace Hfy.Actors.Protocol;

// The conversation between a retrieval coordinator and the bank partitions (docs/architecture.md, "maps are
// threshold problems"), top to bottom: load → score → (gather | probe…) → readout → release.
// Every message that can start a partition entity carries its PartitionAddress (bank spec included), so a
// partition rebuilt on another node after a failure loads itself from the first message it gets.

/// <summary>Marker for every message that crosses a process boundary; all are bound to the Hfy serializer.</summary>
public interface IHfyMessage;

/// <summary>A message addressed to one bank partition (a sharded entity).</summary>
public interface IPartitionMessage : IHfyMessage
{
    /// <summary>The partition the message is for.</summary>
    PartitionAddress Partition { get; }
}

/// <summary>Partition <paramref name="Index"/> of <paramref name="Count"/> contiguous row ranges of a bank.</summary>
/// <param name="Spec">The bank, so that any node can materialize the rows.</param>
/// <param name="Index">Partition index, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of partitions P of the bank (fixed per bank).</param>
[MessagePackObject]
public sealed record PartitionAddress(
    [property: Key(0)] BankSpec Spec,
    [property: Key(1)] int Index,
    [property: Key(2)] int Count)
{
    /// <summary>The sharded entity id: <c>bank/index</c>.</summary>
    [IgnoreMember]
    public string EntityId => Spec.Name + "/" + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Global id of the partition's first row (rows split as evenly as possible, in bank order).</summary>
    [IgnoreMember]
    public long FirstRow => FirstRowOf(Spec.Rows, Index, Count);

    /// <summary>Rows held by the partition.</summary>
    [IgnoreMember]
    public int RowCount => checked((int)(FirstRowOf(Spec.Rows, Index + 1, Count) - FirstRow));

    /// <summary>First row of partition <paramref name="index"/> when <paramref name="rows"/> are split into <paramref name="count"/> ranges.</summary>
    public static long FirstRowOf(long rows, int index, int count) => (long)((Int128)rows * index / count);
}

/// <summary>Loads the partition's rows now (bank creation, warm-up after a node loss). Reply: <see cref="PartitionLoaded"/>.</summary>
[MessagePackObject]
public sealed record LoadPartition([property: Key(0)] PartitionAddress Partition) : IPartitionMessage;

/// <summary>A partition holds its rows.</summary>
/// <param name="Bank">Bank name.</param>
/// <param name="Index">Partition index.</param>
/// <param name="Rows">Rows held.</param>
/// <param name="Bytes">Bytes of row data held.</param>
/// <param name="Node">Address of the node that hosts it.</param>
[MessagePackObject]
public sealed record PartitionLoaded(
    [property: Key(0)] string Bank,
    [property: Key(1)] int Index,
    [property: Key(2)] long Rows,
    [property: Key(3)] long Bytes,
    [property: Key(4)] string Node) : IHfyMessage;

/// <summary>Stops the partition entity and frees its rows. Reply: <see cref="PartitionDropped"/>.</summary>
[MessagePackObject]
public sealed record DropPartition([property: Key(0)] PartitionAddress Partition) : IPartitionMessage;

/// <summary>The partition has stopped.</summary>
[MessagePackObject]
public sealed record PartitionDropped([property: Key(0)] string Bank, [property: Key(1)] int Index) : IHfyMessage;

/// <summary>
/// Score round (step 1): θ = β X_p q for every query of the batch; the partition keeps the scores under
/// <paramref name="RequestId"/> for the rest of the step and replies with one <see cref="ScoreSummary"/> per query.
/// Reply: <see cref="ScoreReply"/>.
/// </summary>
/// <param name="Partition">Target partition.</param>
/// <param name="RequestId">Request the scores belong to.</param>
/// <param name="Step">Dynamics step (scores of an older step are replaced).</param>
/// <param name="Round">Coordinator's round number, echoed in the reply (stale replies are dropped).</param>
/// <param name="Queries">The batch, row-major, Batch × D (float32, as the kernel scores them).</param>
/// <param name="Batch">Number of queries.</param>
/// <param name="Beta">Inverse temperature β.</param>
/// <param name="Map">The map (decides the support bound and the summary kind).</param>
/// <param name="CandidateCap">At most this many candidates per query (highest scores first).</param>
/// <param name="RowCap">Rows travel with the candidates only when a query has at most this many.</param>
/// <param name="PairCaps">Per query, softmax final evaluation: ship up to this many (score, id) pairs for the final weights (0: none).</param>
/// <param name="Exact">Final evaluation: the float64 states (Batch × D) to look up exactly among the rows; empty when no query is final.</param>
/// <param name="RetrievedTol">A row is retrieved when ‖q − x_i‖∞ ≤ this (only for queries with a non-zero row in <paramref name="Exact"/>'s batch slot).</param>
/// <param name="Final">Per query: this scoring is the final evaluation (p at q_T).</param>
/// <param name="LeadRows">An incomplete candidate list still carries the rows of its top this-many candidates.</param>
[MessagePackObject]
public sealed record ScoreRequest(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round,
    [property: Key(4)] float[] Queries,
    [property: Key(5)] int Batch,
    [property: Key(6)] double Beta,
    [property: Key(7)] MapSpec Map,
    [property: Key(8)] int CandidateCap,
    [property: Key(9)] int RowCap,
    [property: Key(10)] int[] PairCaps,
    [property: Key(11)] double[] Exact,
    [property: Key(12)] double RetrievedTol,
    [property: Key(13)] bool[] Final,
    [property: Key(14)] int LeadRows = 0) : IPartitionMessage;

/// <summary>One query's score summary from one partition.</summary>
/// <param name="Max">Partition max θ (−∞ when the partition is empty).</param>
/// <param name="Top">The partition's top-k scores, descending (k = the map's anchor rank; k-subsets' distributed top-k).</param>
/// <param name="Finite">Number of finite scores.</param>
/// <param name="Complete">True when <paramref name="Ids"/> holds every row above the partition's own support bound
/// (or, for softmax pairs, every row).</param>
/// <param name="Floor">Lowest score included in the candidate list (+∞ when empty); every omitted row scores ≤ Floor.</param>
/// <param name="Scores">Candidate scores, descending.</param>
/// <param name="Ids">Candidate global row ids, same order.</param>
/// <param name="Rows">Rows of the first Rows.Length / D candidates (row-major): all of them when the list is complete
/// and small, the top ScoreRequest.LeadRows when it is not.</param>
/// <param name="SoftmaxZ">Softmax: Z_p = Σ e^{θ_i − Max} (float64).</param>
/// <param name="SoftmaxR">Softmax: r_p = Σ e^{θ_i − Max} x_i (float64, length D).</param>
/// <param name="Retrieved">Final evaluation: smallest global row id within RetrievedTol of the state (∞-norm), else −1.</param>
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
}

/// <summary>A partition's answer to <see cref="ScoreRequest"/>: one summary per query, in batch order.</summary>
[MessagePackObject]
public sealed record ScoreReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] ScoreSummary[] Queries) : IHfyMessage;

/// <summary>
/// Gather round (sequential k-subsets): every (row id, score) with θ ≥ Bounds[j], at most Cap per query.
/// Reply: one or more <see cref="GatherReply"/> chunks, each serialized below <paramref name="MaxReplyBytes"/>,
/// pushed without further requests (or <see cref="ScoresMissing"/>).
/// </summary>
/// <param name="Partition">Target partition.</param>
/// <param name="RequestId">Request whose scores to use.</param>
/// <param name="Step">Dynamics step the scores must belong to.</param>
/// <param name="Round">Round number, echoed.</param>
/// <param name="Bounds">Per query: the inclusive score bound (+∞: the query takes no part).</param>
/// <param name="Cap">At most this many pairs per query (more: the part is marked incomplete).</param>
/// <param name="MaxReplyBytes">No reply chunk may serialize to more bytes than this.</param>
[MessagePackObject]
public sealed record GatherRequest(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round,
    [property: Key(4)] double[] Bounds,
    [property: Key(5)] int Cap,
    [property: Key(6)] int MaxReplyBytes) : IPartitionMessage;

/// <summary>Gathered candidates of one query (or, in a chunk, a contiguous run of them): ids ascending, their scores, and whether none was left out.</summary>
[MessagePackObject]
public sealed record GatherPart(
    [property: Key(0)] long[] Ids,
    [property: Key(1)] float[] Scores,
    [property: Key(2)] bool Complete);

/// <summary>
/// One chunk of a partition's answer to <see cref="GatherRequest"/>. Chunk c of <paramref name="Chunks"/> holds, per
/// query, the next run of that query's pairs in ascending id order; concatenating the chunks in order gives the
/// partition's full answer.
/// </summary>
/// <param name="RequestId">Request id, echoed.</param>
/// <param name="Round">Round number, echoed.</param>
/// <param name="Partition">Partition index.</param>
/// <param name="Queries">Per query (batch order), this chunk's run of pairs.</param>
/// <param name="Chunk">Index of this chunk, 0 ≤ Chunk &lt; Chunks.</param>
/// <param name="Chunks">Number of chunks the partition sends for this round (≥ 1).</param>
/// <param name="Pairs">Pairs in all chunks together, all queries (the coordinator checks its memory limit on the first chunk it gets).</param>
[MessagePackObject]
public sealed record GatherReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] GatherPart[] Queries,
    [property: Key(4)] int Chunk,
    [property: Key(5)] int Chunks,
    [property: Key(6)] long Pairs) : IHfyMessage;

/// <summary>
/// Probe round (step 3): the mass summaries of the map at each τ in Taus[j] for query j (empty: skip the query).
/// Reply: <see cref="ProbeReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
[MessagePackObject]
public sealed record ProbeRequest(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round,
    [property: Key(4)] MapSpec Map,
    [property: Key(5)] double[][] Taus) : IPartitionMessage;

/// <summary>A partition's mass summaries: Sums[j][t] for query j at Taus[j][t].</summary>
[MessagePackObject]
public sealed record ProbeReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] MassSummary[][] Sums) : IHfyMessage;

/// <summary>
/// Support count (softmax final evaluation, only when the shipped pairs and the partition minima cannot decide it):
/// per query, the number of rows with e^{θ_i − Shifts[j]} / Totals[j] &gt; 0 in float64, the same expression the
/// coordinator uses for the final weights (NaN shift: skip the query). Reply: <see cref="SupportCountReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
[MessagePackObject]
public sealed record SupportCountRequest(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round,
    [property: Key(4)] double[] Shifts,
    [property: Key(5)] double[] Totals) : IPartitionMessage;

/// <summary>A partition's answer to <see cref="SupportCountRequest"/>: rows with weight &gt; 0, per query.</summary>
[MessagePackObject]
public sealed record SupportCountReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] long[] Counts) : IHfyMessage;

/// <summary>How a partition turns its scores into weights in a <see cref="ReadoutRequest"/>.</summary>
public enum ReadoutMode
{
    /// <summary>The query is not part of this readout.</summary>
    Skip,
    /// <summary>w_i = map.Weight(θ_i, τ).</summary>
    Threshold,
    /// <summary>w_i = e^{θ_i − shift} (softmax; the coordinator divides by the global Z).</summary>
    Softmax,
    /// <summary>The coordinator lists (row id, weight) pairs explicitly (exact solve on candidates).</summary>
    Explicit,
}

/// <summary>
/// Readout round (step 4): Σ_i w_i x_i over the partition (float64), the weight sum and count, and the
/// largest (row id, weight) pairs (at most PairCap per query). Reply: <see cref="ReadoutReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
/// <param name="Partition">Target partition.</param>
/// <param name="RequestId">Request whose scores to use.</param>
/// <param name="Step">Dynamics step the scores must belong to.</param>
/// <param name="Round">Round number, echoed.</param>
/// <param name="Map">The map (for <see cref="ReadoutMode.Threshold"/>).</param>
/// <param name="Modes">Per query, how to weigh (<see cref="ReadoutMode"/> as int).</param>
/// <param name="Taus">Per query: τ (Threshold) or the shift (Softmax).</param>
/// <param name="Ids">Per query (Explicit): global row ids that belong to this partition.</param>
/// <param name="Weights">Per query (Explicit): their weights.</param>
/// <param name="PairCaps">Per query: ship at most this many (id, weight) pairs (0: none).</param>
[MessagePackObject]
public sealed record ReadoutRequest(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round,
    [property: Key(4)] MapSpec Map,
    [property: Key(5)] int[] Modes,
    [property: Key(6)] double[] Taus,
    [property: Key(7)] long[][] Ids,
    [property: Key(8)] double[][] Weights,
    [property: Key(9)] int[] PairCaps) : IPartitionMessage;

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
    /// <summary>Threshold readouts: Σ g(w_i), the additive part of Ω (<see cref="IThresholdMap.RegularizerTerm"/>), for the energy.</summary>
    [Key(5)]
    public double RegularizerSum { get; init; }
}

/// <summary>A partition's answer to <see cref="ReadoutRequest"/>.</summary>
[MessagePackObject]
public sealed record ReadoutReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] ReadoutPart[] Queries) : IHfyMessage;

/// <summary>The partition no longer holds scores for this request and step (it was rebuilt, or evicted them).</summary>
[MessagePackObject]
public sealed record ScoresMissing(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition) : IHfyMessage;

/// <summary>The partition could not do the work (bad spec, unreadable file, a kernel error): the request fails with this reason.</summary>
[MessagePackObject]
public sealed record PartitionFailed(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition,
    [property: Key(3)] string Reason) : IHfyMessage;

/// <summary>The request is over: the partition frees its scores. No reply.</summary>
[MessagePackObject]
public sealed record ReleaseScores(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId) : IPartitionMessage;
