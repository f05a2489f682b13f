using Akka.Actor;
using Akka.Dispatch;
using Hfy.Actors.Cluster;
using Hfy.Learning.Experiments;

namespace Hfy.Actors.Learning;

/// <summary>
/// Runs learning cells on a bank node (<c>/user/hfy-learning</c>): each <see cref="RunLearningCell"/> trains on the
/// numeric dispatcher, off the message handler, and its <see cref="LearningCellDone"/> or <see cref="LearningCellFailed"/>
/// is piped back to the sender. Cells run side by side, as many as the numeric dispatcher has threads (told the
/// coordinator as <see cref="LearningCapacity"/>); the parsed
/// sections and their data sets are kept for the cells that follow (<see cref="LearningCellRunner"/>).
/// </summary>
public sealed class LearningCellWorker : ReceiveActor
{
    /// <summary>The actor's name under /user.</summary>
    public const string Name = "hfy-learning";

    /// <summary>Creates the worker.</summary>
    public LearningCellWorker()
    {
        var dispatchers = Context.System.Dispatchers;
        var numeric = dispatchers.HasDispatcher(HfyConfig.NumericDispatcher) ? dispatchers.Lookup(HfyConfig.NumericDispatcher) : Context.Dispatcher;
        var node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        var runner = new LearningCellRunner();
        var threadsPath = HfyConfig.NumericDispatcher + ".dedicated-thread-pool.thread-count";
        var cells = Context.System.Settings.Config.HasPath(threadsPath) ? Math.Max(1, Context.System.Settings.Config.GetInt(threadsPath)) : 1;
        Receive<RunLearningCell>(m => Run(m, runner, numeric, node).PipeTo(Sender, Self));
        Receive<LearningCapacityRequest>(m => Sender.Tell(new LearningCapacity(m.Sequence, node, cells)));
    }

    /// <summary>Props of the worker.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new LearningCellWorker());

    private static Task<object> Run(RunLearningCell m, LearningCellRunner runner, MessageDispatcher numeric, string node)
    {
        var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        numeric.Schedule(() =>
        {
            try
            {
                var metrics = runner.Run(m.Cell.ToWork());
                done.SetResult(new LearningCellDone(m.RequestId, m.Attempt, node, LearningCellOutcome.From(metrics)));
            }
#pragma warning disable CA1031 // Every failure of a cell goes back to the coordinator as one line; none may take the node down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetResult(new LearningCellFailed(m.RequestId, m.Attempt, node, $"{m.Cell.ToWork().Describe()}: {e.Message}"));
            }
        });
        return done.Task;
    }
}
