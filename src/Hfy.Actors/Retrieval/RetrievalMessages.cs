using Akka.Actor;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Retrieval;

// Local messages between the engine edge and a request's aggregator (never cross a process boundary,
// hence INoSerializationVerificationNeeded even with serialize-messages on).

/// <summary>Starts one aggregator: run the dynamics for a batch of queries on a bank's partitions.</summary>
/// <param name="RequestId">Unique id (partitions key their held scores by it).</param>
/// <param name="Bank">The bank spec the partitions materialize (rows already normalized as the post-transform needs).</param>
/// <param name="Partitions">Number of partitions P of the bank.</param>
/// <param name="Region">Sharding region or proxy of the partitions.</param>
/// <param name="Queries">Initial states q0 in float64, row-major Batch × D (already normalized as the post-transform needs).</param>
/// <param name="Batch">Number of queries.</param>
/// <param name="Options">Map, β, steps, tolerance, post-transform.</param>
/// <param name="Settings">Protocol limits and timeouts.</param>
public sealed record RetrievalJob(
    string RequestId,
    BankSpec Bank,
    int Partitions,
    IActorRef Region,
    double[] Queries,
    int Batch,
    RetrievalOptions Options,
    RetrievalSettings Settings) : INoSerializationVerificationNeeded
{
    /// <summary>Optional: told <see cref="StepStarted"/> at the start of every step (tests, progress).</summary>
    public IActorRef? Observer { get; init; }
}

/// <summary>The aggregator started a step (step = scoring round index, including the final evaluation).</summary>
public sealed record StepStarted(string RequestId, int Step) : INoSerializationVerificationNeeded;

/// <summary>What a request cost, as the aggregator measured it.</summary>
/// <param name="Steps">Dynamics steps run (max over the batch).</param>
/// <param name="RoundTrips">Rounds (scatter + gather over the partitions), all steps together.</param>
/// <param name="BytesSent">Serialized bytes of the messages the aggregator sent.</param>
/// <param name="BytesReceived">Serialized bytes of the replies it accepted.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="PartitionLatenciesMs">Latency of every accepted partition reply (send → reply), milliseconds.</param>
/// <param name="Retries">Re-sent messages (partitions that did not answer in time).</param>
/// <param name="StepRestarts">Steps restarted because a partition had lost its scores (moved).</param>
/// <param name="Evaluations">Map evaluations: score rounds, i.e. T updates plus the final evaluation of p at q_T (restarts included).</param>
/// <param name="ProbeRounds">Probe rounds of the threshold searches (dense regimes).</param>
/// <param name="ReadoutRounds">Readout rounds (weights not known on the coordinator, or rows not shipped).</param>
/// <param name="GatherRounds">Gather rounds (sequential k-subsets with incomplete candidate lists).</param>
public sealed record RetrievalCost(
    int Steps,
    int RoundTrips,
    long BytesSent,
    long BytesReceived,
    TimeSpan Elapsed,
    double[] PartitionLatenciesMs,
    int Retries,
    int StepRestarts,
    int Evaluations = 0,
    int ProbeRounds = 0,
    int ReadoutRounds = 0,
    int GatherRounds = 0)
{
    /// <summary>Round trips per map evaluation (the final evaluation of p at q_T counts as one).</summary>
    public double RoundTripsPerEvaluation => Evaluations == 0 ? 0 : (double)RoundTrips / Evaluations;
}

/// <summary>The aggregator's answer: one result per query, in order.</summary>
public sealed record RetrievalCompleted(string RequestId, RetrievalResult[] Results, RetrievalCost Cost) : INoSerializationVerificationNeeded;

/// <summary>The request failed (deadline, retries exhausted, a limit exceeded); <paramref name="Reason"/> is one line.</summary>
public sealed record RetrievalFailed(string RequestId, string Reason) : INoSerializationVerificationNeeded;
