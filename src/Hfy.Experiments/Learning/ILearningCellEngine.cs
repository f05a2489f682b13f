using Hfy.Learning.Experiments;

namespace Hfy.Experiments.Learning;

/// <summary>
/// Runs learning cells (<see cref="LearningCellWork"/>): in this process (<see cref="LocalLearningCells"/>) or on the
/// bank nodes of a cluster (<c>ClusterEngine</c>). An <see cref="Engines.IRetrievalEngine"/> that also implements this
/// interface gets the learning kinds' cells; any other engine's run in the runner's process. Both give bit-identical
/// metrics for the same work (timings aside).
/// </summary>
public interface ILearningCellEngine
{
    /// <summary>Cells worth keeping in flight at once (more wait their turn in the engine).</summary>
    int LearningCellSlots { get; }

    /// <summary>Trains and scores one cell.</summary>
    Task<LearningCellMetrics> RunLearningCellAsync(LearningCellWork work, CancellationToken cancellationToken);
}

/// <summary>Learning cells on the thread pool of this process, one <see cref="LearningCellRunner"/> (data loaded once).</summary>
/// <param name="slots">Cells at once.</param>
public sealed class LocalLearningCells(int slots) : ILearningCellEngine
{
    private readonly LearningCellRunner _runner = new();

    /// <inheritdoc />
    public int LearningCellSlots { get; } = slots >= 1 ? slots : throw new ArgumentOutOfRangeException(nameof(slots), slots, "slots: must be ≥ 1");

    /// <inheritdoc />
    public Task<LearningCellMetrics> RunLearningCellAsync(LearningCellWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Task.Run(() => _runner.Run(work), cancellationToken);
    }
}
