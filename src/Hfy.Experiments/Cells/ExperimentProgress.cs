using Hfy.Experiments.Results;

namespace Hfy.Experiments.Cells;

/// <summary>
/// Progress of one experiment, reported after every stored cell (and once at start and end). The CLI's
/// progress bar takes it through <see cref="IProgress{T}"/>; the experiment manager (Hfy.Coordinator) publishes it
/// on the actor system's EventStream, where the dashboard subscribes to <see cref="ExperimentProgress"/>.
/// </summary>
/// <param name="ExperimentId">Experiment.</param>
/// <param name="Done">Cells stored (including those stored before a resume).</param>
/// <param name="Total">Cells in the expansion.</param>
/// <param name="Elapsed">Time since this run (or resume) started.</param>
/// <param name="Eta">Estimated time to finish from this run's pace, null until a cell finished.</param>
/// <param name="Status">Experiment status.</param>
/// <param name="LastCell">The cell just stored (for live curves), null at start and end.</param>
public sealed record ExperimentProgress(string ExperimentId, int Done, int Total, TimeSpan Elapsed, TimeSpan? Eta, string Status, CellRecord? LastCell)
{
    /// <summary>Done / Total in [0, 1].</summary>
    public double Fraction => Total == 0 ? 1 : (double)Done / Total;
}

/// <summary>Settings of the runner.</summary>
/// <param name="MaxConcurrentCells">Cells of one bank run at the same time.</param>
/// <param name="QueryBatch">Queries sent to the engine per request.</param>
/// <param name="DropBanks">Drop each bank once its cells are done (keeps one bank in memory at a time).</param>
/// <param name="WorkDirectory">Where inline patterns are written as .npy files for the engine to load.</param>
/// <param name="CellAttempts">Tries per cell before the experiment fails (engine errors such as a partition that did not answer are often transient).</param>
public sealed record RunnerOptions(int MaxConcurrentCells = 2, int QueryBatch = 128, bool DropBanks = true, string? WorkDirectory = null, int CellAttempts = 3);
