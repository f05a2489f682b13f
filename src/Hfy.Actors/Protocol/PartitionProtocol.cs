using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
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

/// <summary>What a partition's reports on its own life start with (keys 0–1): which partition of which bank.</summary>
/// <param name="Bank">Bank name.</param>
/// <param name="Index">Partition index.</param>
[MessagePackObject]
public abstract record PartitionReport([property: Key(0)] string Bank, [property: Key(1)] int Index) : IHfyMessage;

/// <summary>A partition holds its rows.</summary>
/// <param name="Bank">Bank name.</param>
/// <param name="Index">Partition index.</param>
/// <param name="Rows">Rows held.</param>
/// <param name="Bytes">Bytes of row data held.</param>
/// <param name="Node">Address of the node that hosts it.</param>
[MessagePackObject]
public sealed record PartitionLoaded(string Bank, int Index,
    [property: Key(2)] long Rows,
    [property: Key(3)] long Bytes,
    [property: Key(4)] string Node) : PartitionReport(Bank, Index);

/// <summary>Stops the partition entity and frees its rows. Reply: <see cref="PartitionDropped"/>.</summary>
[MessagePackObject]
public sealed record DropPartition([property: Key(0)] PartitionAddress Partition) : IPartitionMessage;

/// <summary>The partition has stopped.</summary>
[MessagePackObject]
public sealed record PartitionDropped(string Bank, int Index) : PartitionReport(Bank, Index);

/// <summary>What every round request starts with: the partition, the request, the step its scores belong to, the round.</summary>
/// <param name="Partition">Target partition.</param>
/// <param name="RequestId">Request the scores belong to.</param>
/// <param name="Step">Dynamics step (scores of an older step are replaced; later rounds need this step's scores).</param>
/// <param name="Round">Coordinator's round number, echoed in the reply (stale replies are dropped).</param>
[MessagePackObject]
public sealed record RoundHeader(
    [property: Key(0)] PartitionAddress Partition,
    [property: Key(1)] string RequestId,
    [property: Key(2)] int Step,
    [property: Key(3)] int Round);

/// <summary>A round request to one partition.</summary>
public interface IRoundRequest : IPartitionMessage
{
    /// <summary>Partition, request, step and round.</summary>
    RoundHeader Header { get; }
}

/// <summary>A partition's answer to a round request (or its refusal).</summary>
public interface IRoundReply : IHfyMessage
{
    /// <summary>Request id, echoed.</summary>
    string RequestId { get; }

    /// <summary>Round number, echoed.</summary>
    int Round { get; }

    /// <summary>Index of the answering partition.</summary>
    int Partition { get; }
}

/// <summary>What every round request carries first (key 0): its <see cref="RoundHeader"/>, which names the partition.</summary>
/// <param name="Header">Partition, request, step and round.</param>
[MessagePackObject]
public abstract record RoundRequest([property: Key(0)] RoundHeader Header) : IRoundRequest
{
    /// <inheritdoc />
    [IgnoreMember]
    public PartitionAddress Partition => Header.Partition;
}

/// <summary>What every round reply starts with (keys 0–2): the request id and round echoed, and the answering partition.</summary>
/// <param name="RequestId">Request id, echoed.</param>
/// <param name="Round">Round number, echoed.</param>
/// <param name="Partition">Index of the answering partition.</param>
[MessagePackObject]
public abstract record RoundReply(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Round,
    [property: Key(2)] int Partition) : IRoundReply;

/// <summary>
/// How the score round weighs and summarizes: β, the map and the per-query caps of the summary. Built by name, so
/// that the three caps cannot trade places.
/// </summary>
[MessagePackObject]
public sealed record ScoreMapPart
{
    /// <summary>Inverse temperature β.</summary>
    [Key(0)]
    public required double Beta { get; init; }

    /// <summary>The map (decides the support bound and the summary kind).</summary>
    [Key(1)]
    public required MapSpec Map { get; init; }

    /// <summary>At most this many candidates per query (highest scores first).</summary>
    [Key(2)]
    public required int CandidateCap { get; init; }

    /// <summary>Rows travel with the candidates only when a query has at most this many.</summary>
    [Key(3)]
    public required int RowCap { get; init; }

    /// <summary>An incomplete candidate list still carries the rows of its top this-many candidates.</summary>
    [Key(4)]
    public required int LeadRows { get; init; }

    /// <summary>Streamed partitions' softmax sums skip rows with e^{θ−m} &lt; ε/N (0: every row; <see cref="Hfy.Kernels.Retrieval.StoreSourceSettings.SoftmaxTolerance"/>).</summary>
    [Key(5)]
    public double SoftmaxTolerance { get; init; }
}

/// <summary>The states of a score round and what each query's evaluation wants.</summary>
/// <param name="Queries">The batch, row-major, Batch × D (float32, as the kernel scores them).</param>
/// <param name="Batch">Number of queries.</param>
/// <param name="Final">Per query: this scoring is the final evaluation (p at q_T).</param>
/// <param name="PairCaps">Per query, softmax final evaluation: ship up to this many (score, id) pairs for the final weights (0: none).</param>
/// <param name="Exact">Final evaluation: the float64 states (Batch × D) to look up exactly among the rows; empty when no query is final.</param>
/// <param name="RetrievedTol">A row is retrieved when ‖q − x_i‖∞ ≤ this.</param>
[MessagePackObject]
public sealed record QueryBlock(
    [property: Key(0)] float[] Queries,
    [property: Key(1)] int Batch,
    [property: Key(2)] bool[] Final,
    [property: Key(3)] int[] PairCaps,
    [property: Key(4)] double[] Exact,
    [property: Key(5)] double RetrievedTol);

/// <summary>
/// Score round (step 1): θ = β X_p q for every query of the batch; the partition keeps the scores under the
/// request id for the rest of the step and replies with one <see cref="ScoreSummary"/> per query.
/// Reply: <see cref="ScoreReply"/>.
/// </summary>
[MessagePackObject]
public sealed record ScoreRequest(RoundHeader Header,
    [property: Key(1)] ScoreMapPart Map,
    [property: Key(2)] QueryBlock Queries) : RoundRequest(Header);

/// <summary>A partition's answer to <see cref="ScoreRequest"/>: one summary per query, in batch order.</summary>
[MessagePackObject]
public sealed record ScoreReply(string RequestId, int Round, int Partition,
    [property: Key(3)] ScoreSummary[] Queries) : RoundReply(RequestId, Round, Partition);

/// <summary>
/// Gather round (sequential k-subsets): every (row id, score) with θ ≥ Bounds[j], at most Cap per query.
/// Reply: one or more <see cref="GatherReply"/> chunks, each serialized below <paramref name="MaxReplyBytes"/>,
/// pushed without further requests (or <see cref="ScoresMissing"/>).
/// </summary>
/// <param name="Header">Partition, request, step, round.</param>
/// <param name="Bounds">Per query: the inclusive score bound (+∞: the query takes no part).</param>
/// <param name="Cap">At most this many pairs per query (more: the part is marked incomplete).</param>
/// <param name="MaxReplyBytes">No reply chunk may serialize to more bytes than this.</param>
[MessagePackObject]
public sealed record GatherRequest(RoundHeader Header,
    [property: Key(1)] double[] Bounds,
    [property: Key(2)] int Cap,
    [property: Key(3)] int MaxReplyBytes) : RoundRequest(Header);

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
public sealed record GatherReply(string RequestId, int Round, int Partition,
    [property: Key(3)] GatherPart[] Queries,
    [property: Key(4)] int Chunk,
    [property: Key(5)] int Chunks,
    [property: Key(6)] long Pairs) : RoundReply(RequestId, Round, Partition);

/// <summary>
/// Probe round (step 3): the mass summaries of the map at each τ in Taus[j] for query j (empty: skip the query).
/// Reply: <see cref="ProbeReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
[MessagePackObject]
public sealed record ProbeRequest(RoundHeader Header,
    [property: Key(1)] MapSpec Map,
    [property: Key(2)] double[][] Taus) : RoundRequest(Header);

/// <summary>A partition's mass summaries: Sums[j][t] for query j at Taus[j][t].</summary>
[MessagePackObject]
public sealed record ProbeReply(string RequestId, int Round, int Partition,
    [property: Key(3)] MassSummary[][] Sums) : RoundReply(RequestId, Round, Partition);

/// <summary>
/// Support count (softmax final evaluation, only when the shipped pairs and the partition minima cannot decide it):
/// per query, the number of rows with e^{θ_i − Shifts[j]} / Totals[j] &gt; 0 in float64, the same expression the
/// coordinator uses for the final weights (NaN shift: skip the query). Reply: <see cref="SupportCountReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
[MessagePackObject]
public sealed record SupportCountRequest(RoundHeader Header,
    [property: Key(1)] double[] Shifts,
    [property: Key(2)] double[] Totals) : RoundRequest(Header);

/// <summary>A partition's answer to <see cref="SupportCountRequest"/>: rows with weight &gt; 0, per query.</summary>
[MessagePackObject]
public sealed record SupportCountReply(string RequestId, int Round, int Partition,
    [property: Key(3)] long[] Counts) : RoundReply(RequestId, Round, Partition);

/// <summary>
/// Readout round (step 4): Σ_i w_i x_i over the partition (float64), the weight sum and count, and the
/// largest (row id, weight) pairs (at most PairCap per query). Reply: <see cref="ReadoutReply"/> (or <see cref="ScoresMissing"/>).
/// </summary>
/// <param name="Header">Partition, request, step, round.</param>
/// <param name="Map">The map (for <see cref="ReadoutMode.Threshold"/>).</param>
/// <param name="Modes">Per query, how to weigh.</param>
/// <param name="Taus">Per query: τ (Threshold) or the shift (Softmax).</param>
/// <param name="Ids">Per query (Explicit): global row ids that belong to this partition.</param>
/// <param name="Weights">Per query (Explicit): their weights.</param>
/// <param name="PairCaps">Per query: ship at most this many (id, weight) pairs (0: none).</param>
[MessagePackObject]
public sealed record ReadoutRequest(RoundHeader Header,
    [property: Key(1)] MapSpec Map,
    [property: Key(2)] ReadoutMode[] Modes,
    [property: Key(3)] double[] Taus,
    [property: Key(4)] long[][] Ids,
    [property: Key(5)] double[][] Weights,
    [property: Key(6)] int[] PairCaps) : RoundRequest(Header);

/// <summary>A partition's answer to <see cref="ReadoutRequest"/>.</summary>
[MessagePackObject]
public sealed record ReadoutReply(string RequestId, int Round, int Partition,
    [property: Key(3)] ReadoutPart[] Queries) : RoundReply(RequestId, Round, Partition);

/// <summary>The partition no longer holds scores for this request and step (it was rebuilt, or evicted them).</summary>
[MessagePackObject]
public sealed record ScoresMissing(string RequestId, int Round, int Partition) : RoundReply(RequestId, Round, Partition);

/// <summary>The partition could not do the work (bad spec, unreadable file, a kernel error): the request fails with this reason.</summary>
[MessagePackObject]
public sealed record PartitionFailed(string RequestId, int Round, int Partition,
    [property: Key(3)] string Reason) : RoundReply(RequestId, Round, Partition);

/// <summary>The request is over: the partition frees its scores. No reply.</summary>
[MessagePackObject]
public sealed record ReleaseScores([property: Key(0)] PartitionAddress Partition, [property: Key(1)] string RequestId) : IPartitionMessage;
