using Akka.Actor;
using Hfy.Experiments.Cells;

namespace Hfy.Coordinator.Manager;

/// <summary>
/// Forwards one experiment's <see cref="ExperimentProgress"/> and its <see cref="ExperimentEnded"/> from the
/// EventStream to callbacks (the CLI progress bar of <c>hfy demo</c>, which runs its sweep through the manager so
/// that the dashboard shows it live).
/// </summary>
public sealed class ManagerProgressBridge : ReceiveActor
{
    /// <summary>Props for a bridge; the callbacks run on the actor's thread.</summary>
    public static Props Props(Func<string?> experimentId, Action<ExperimentProgress> progress, Action<ExperimentEnded> ended)
        => Akka.Actor.Props.Create(() => new ManagerProgressBridge(experimentId, progress, ended));

    /// <summary>A bridge for the experiment whose id <paramref name="experimentId"/> returns (null until known).</summary>
    public ManagerProgressBridge(Func<string?> experimentId, Action<ExperimentProgress> progress, Action<ExperimentEnded> ended)
    {
        Receive<ExperimentProgress>(p =>
        {
            if (p.ExperimentId == experimentId()) progress(p);
        });
        Receive<ExperimentEnded>(e =>
        {
            if (e.ExperimentId == experimentId()) ended(e);
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ExperimentProgress));
        Context.System.EventStream.Subscribe(Self, typeof(ExperimentEnded));
    }
}
