using Akka.Actor;
using Hfy.Actors.Cluster;
using Hfy.Experiments.Learning;
using Hfy.Learning.Experiments;

namespace Hfy.Coordinator.Engine;

/// <summary>The learning cells of a <see cref="ClusterEngine"/>: sent to the bank nodes by a <see cref="LearningCellDispatcher"/>.</summary>
public sealed partial class ClusterEngine : ILearningCellEngine
{
    private readonly object _learningGate = new();
    private IActorRef? _learning;

    /// <summary>Counters of the learning cells this engine dispatched.</summary>
    public LearningDispatchCounters LearningCounters { get; } = new();

    /// <inheritdoc />
    /// <remarks>
    /// The Up bank nodes × <see cref="LearningDispatchSettings.QueuePerBankNode"/>, read now (at least one node's worth):
    /// the dispatcher sends each node only as many as it trains at once and queues the rest, so the runner only needs to
    /// keep every node's queue from running dry.
    /// </remarks>
    public int LearningCellSlots =>
        Math.Max(1, Akka.Cluster.Cluster.Get(_system).State.Members.Count(m => m.HasRole(HfyRoles.Bank) && m.Status == Akka.Cluster.MemberStatus.Up))
        * _options.Learning.QueuePerBankNode;

    /// <inheritdoc />
    public async Task<LearningCellMetrics> RunLearningCellAsync(LearningCellWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var dispatcher = LearningDispatcher();
        var completion = new TaskCompletionSource<LearningCellMetrics>(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestId = Guid.NewGuid().ToString("N");
        dispatcher.Tell(new LearningCellDispatcher.Submit(requestId, work, completion));
        try
        {
            return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            dispatcher.Tell(new LearningCellDispatcher.Cancel(requestId));
            throw;
        }
    }

    private IActorRef LearningDispatcher()
    {
        lock (_learningGate)
        {
            if (_learning is not null) return _learning;
            _learning = _system.ActorOf(LearningCellDispatcher.Props(_options.Learning, LearningCounters), "hfy-learning-dispatch-" + Guid.NewGuid().ToString("N")[..8]);
            return _learning;
        }
    }

    private void StopLearning()
    {
        lock (_learningGate)
        {
            if (_learning is not null) _system.Stop(_learning);
            _learning = null;
        }
    }
}
