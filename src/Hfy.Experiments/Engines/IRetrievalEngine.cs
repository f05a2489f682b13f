using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Engines;

/// <summary>
/// Runs retrieval dynamics for batches of queries against named banks: in this process on the kernels
/// (<c>LocalEngine</c>) or on an Akka.NET cluster of bank nodes (<c>ClusterEngine</c>). Both return the
/// same numbers for the same bank, options and queries.
/// </summary>
public interface IRetrievalEngine : IAsyncDisposable
{
    /// <summary>Creates (or finds, when an identical spec exists) a bank; a different spec under the same name is an error.</summary>
    Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken);

    /// <summary>Drops a bank and frees its memory.</summary>
    Task DropBankAsync(string bankName, CancellationToken cancellationToken);

    /// <summary>Runs the dynamics for <paramref name="batch"/> queries (row-major, batch × D) on a bank.</summary>
    Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken);
}

/// <summary>Results for a batch, one per query in order, with the cost of the request.</summary>
public sealed record BatchRetrievalResult(RetrievalResult[] Results, RequestStats Stats);

/// <summary>What a request cost.</summary>
/// <param name="Steps">Dynamics steps run (max over the batch).</param>
/// <param name="RoundTrips">Coordinator ↔ partitions round trips, all steps together (0 for the local engine).</param>
/// <param name="BytesMoved">Serialized bytes sent and received by the coordinator for this request.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="Evaluations">Map evaluations (score rounds): the T updates plus the final evaluation of p at q_T; 0 for the local engine.</param>
/// <param name="ProbeRounds">Threshold-search probe rounds (dense regimes).</param>
/// <param name="ReadoutRounds">Readout rounds (weights not solvable on the coordinator alone).</param>
public sealed record RequestStats(int Steps, int RoundTrips, long BytesMoved, TimeSpan Elapsed, int Evaluations = 0, int ProbeRounds = 0, int ReadoutRounds = 0)
{
    /// <summary>Mean round trips per map evaluation (per step, the final evaluation of p at q_T counted as a step).</summary>
    public double RoundTripsPerStep => Evaluations > 0 ? (double)RoundTrips / Evaluations : Steps == 0 ? 0 : (double)RoundTrips / Steps;

    /// <summary>Passes over a streamed (non-resident) store: one score pass per step, plus one per probe, threshold readout, count or gather round.</summary>
    public long StorePasses { get; init; }
}
