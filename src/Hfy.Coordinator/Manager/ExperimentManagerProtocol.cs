using Hfy.Experiments.Cells;
using Hfy.Experiments.Results;
using Hfy.Experiments;

namespace Hfy.Coordinator.Manager;

// The conversation with the ExperimentManager singleton, top to bottom. Specs travel as JSON strings so the
// messages stay plain data whichever serializer the cluster binds them to.

/// <summary>Submit an experiment. Reply: <see cref="ExperimentAccepted"/> or <see cref="ExperimentRejected"/>.</summary>
/// <param name="SpecJson">The spec document.</param>
/// <param name="RequestId">Client request id: a second submission with the same id answers the first experiment.</param>
public sealed record SubmitExperiment(string SpecJson, string? RequestId = null);

/// <summary>
/// An experiment was validated and stored (status queued) by the submitter; the manager queues it. No reply: a lost
/// message costs only latency, since the manager also rescans the store for queued experiments it does not know.
/// </summary>
/// <param name="ExperimentId">The stored experiment's id.</param>
public sealed record EnqueueExperiment(string ExperimentId);

/// <summary>The experiment was stored and queued.</summary>
/// <param name="ExperimentId">Its id.</param>
/// <param name="TotalCells">Cells it expands to.</param>
public sealed record ExperimentAccepted(string ExperimentId, int TotalCells);

/// <summary>The spec has problems; nothing was stored.</summary>
/// <param name="Errors">Every problem, with its field path.</param>
public sealed record ExperimentRejected(IReadOnlyList<SpecError> Errors);

/// <summary>Ask for one experiment. Reply: <see cref="ExperimentInfo"/>.</summary>
/// <param name="ExperimentId">Experiment id.</param>
public sealed record GetExperiment(string ExperimentId);

/// <summary>An experiment's stored record and its latest progress (null when unknown / not running).</summary>
/// <param name="Record">The stored experiment, or null when there is none with that id.</param>
/// <param name="Progress">Latest progress seen by this manager.</param>
public sealed record ExperimentInfo(ExperimentRecord? Record, ExperimentProgress? Progress);

/// <summary>Ask for all experiments. Reply: <see cref="ExperimentList"/>.</summary>
public sealed record ListExperiments
{
    /// <summary>The message.</summary>
    public static ListExperiments Instance { get; } = new();
}

/// <summary>All experiments, newest first.</summary>
/// <param name="Experiments">Stored experiments.</param>
public sealed record ExperimentList(IReadOnlyList<ExperimentRecord> Experiments);

/// <summary>Stop an experiment (queued or running) and mark it cancelled. Reply: <see cref="ExperimentCancelled"/>.</summary>
/// <param name="ExperimentId">Experiment id.</param>
public sealed record CancelExperiment(string ExperimentId);

/// <summary>Answer to <see cref="CancelExperiment"/>.</summary>
/// <param name="ExperimentId">Experiment id.</param>
/// <param name="Found">Whether it was queued or running.</param>
public sealed record ExperimentCancelled(string ExperimentId, bool Found);

/// <summary>Published on the EventStream when an experiment ends (finished, failed or cancelled).</summary>
/// <param name="ExperimentId">Experiment id.</param>
/// <param name="Status">Final status.</param>
/// <param name="Error">Why it failed.</param>
public sealed record ExperimentEnded(string ExperimentId, string Status, string? Error);
