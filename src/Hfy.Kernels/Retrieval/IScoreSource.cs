using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Retrieval;

/// <summary>
/// Where a retrieval step's scores live, as the rounds of the protocol (docs/architecture.md, "maps are threshold
/// problems"): the source scores a batch of states and keeps the scores for the rest of the step; every later
/// round of the step asks about those scores. Each operation returns one answer per partition, in partition order
/// (a local source is one partition: the whole bank), and per partition one entry per query of the round.
/// </summary>
/// <remarks>
/// The operations return <see cref="ValueTask{TResult}"/>: the distributed source answers when the partitions'
/// messages are in, the local source synchronously (a completed ValueTask, no allocation, no thread hop).
/// A source throws <see cref="ScoresLostException"/> when scores of the step are gone (the driver scores the step
/// again) and <see cref="RetrievalFailedException"/> when the request cannot go on.
/// </remarks>
public interface IScoreSource
{
    /// <summary>Score round (step 1): θ = β X q for every state; one summary per partition and query.</summary>
    ValueTask<ScoreSummary[][]> ScoreAsync(ScoreRound round);

    /// <summary>Probe round (step 3): per partition, per query, the mass summaries at each of taus[query] (empty: skip).</summary>
    ValueTask<MassSummary[][][]> ProbeAsync(double[][] taus);

    /// <summary>Readout round (step 4): per partition, per query.</summary>
    ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round);

    /// <summary>Support count (softmax final evaluation): per partition, per query, rows with e^{θ − shift}/total &gt; 0 (NaN shift: skip).</summary>
    ValueTask<long[][]> CountSupportAsync(double[] shifts, double[] totals);

    /// <summary>
    /// Gather round (sequential k-subsets): every (id, θ) with θ ≥ bounds[query] (+∞: skip), as chunks in partition
    /// order, each chunk one run per query; concatenated they list each query's pairs with ids ascending.
    /// </summary>
    ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds);
}

/// <summary>One score round.</summary>
/// <param name="Step">Dynamics step (the same step again after <see cref="ScoresLostException"/>).</param>
/// <param name="States">The states q of the round's queries (float64, length D each).</param>
/// <param name="Final">Per query: this is the final evaluation (p at q_T: final weights and the retrieved row wanted).</param>
public sealed record ScoreRound(int Step, double[][] States, bool[] Final);

/// <summary>One readout round.</summary>
/// <param name="Modes">Per query: how to weigh.</param>
/// <param name="Taus">Per query: τ (Threshold) or the shift (Softmax).</param>
/// <param name="Ids">Per query (Explicit): global row ids with weight &gt; 0 (the source routes each to its partition).</param>
/// <param name="Weights">Per query (Explicit): their weights.</param>
/// <param name="WantPairs">Per query: the (id, weight) pairs are wanted (final evaluation).</param>
public sealed record ReadoutRound(ReadoutMode[] Modes, double[] Taus, long[][] Ids, double[][] Weights, bool[] WantPairs);

/// <summary>The scores of the current step are gone (a partition moved): the step is scored again.</summary>
public sealed class ScoresLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScoresLostException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ScoresLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ScoresLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The request cannot go on (a limit, a failed partition, a deadline); the message is one line naming the cause.</summary>
public sealed class RetrievalFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RetrievalFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RetrievalFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RetrievalFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
