using Akka.Actor;
using Akka.Event;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Experiments;

namespace Hfy.Coordinator.Manager;

/// <summary>
/// The experiment manager: meant to run as a cluster singleton (host it with <c>ClusterSingletonManager</c>
/// using <see cref="Props"/>). It validates and stores submitted specs, runs them one at a time through an
/// <see cref="ExperimentRunner"/>, and on start resumes every experiment the store shows as queued or running,
/// so a manager that died mid-run (or a singleton that moved) continues where the store says it stopped.
/// Progress: every <see cref="ExperimentProgress"/> and <see cref="ExperimentEnded"/> is published on
/// <c>Context.System.EventStream</c> (subscribe to those types).
/// </summary>
public sealed class ExperimentManager : ReceiveActor
{
    private readonly ExperimentRunner _runner;
    private readonly SpecLimits _limits;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<string> _queue = new();
    private readonly Dictionary<string, ExperimentProgress> _progress = new(StringComparer.Ordinal);
    private string? _current;
    private CancellationTokenSource? _cts;
    private bool _cancelRequested;

    /// <summary>Props for a manager over an engine and a store.</summary>
    public static Props Props(IRetrievalEngine engine, ResultsStore store, SpecLimits limits, RunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(limits);
        return Akka.Actor.Props.Create(() => new ExperimentManager(new ExperimentRunner(engine, store, options), limits));
    }

    /// <summary>A manager over a runner (see <see cref="Props"/>).</summary>
    public ExperimentManager(ExperimentRunner runner, SpecLimits limits)
    {
        _runner = runner;
        _limits = limits;

        Receive<SubmitExperiment>(m =>
        {
            var (spec, errors) = SpecValidator.ParseAndValidate(m.SpecJson, _limits);
            if (errors.Count > 0 || spec is null)
            {
                Sender.Tell(new ExperimentRejected(errors));
                return;
            }
            var id = _runner.Store.CreateExperiment(spec, (int)GridExpansion.Count(spec));
            _queue.Enqueue(id);
            Sender.Tell(new ExperimentAccepted(id, (int)GridExpansion.Count(spec)));
            StartNext();
        });
        Receive<GetExperiment>(m => Sender.Tell(new ExperimentInfo(
            _runner.Store.GetExperiment(m.ExperimentId), _progress.GetValueOrDefault(m.ExperimentId))));
        Receive<ListExperiments>(_ => Sender.Tell(new ExperimentList(_runner.Store.ListExperiments())));
        Receive<CancelExperiment>(m =>
        {
            var found = false;
            if (_current == m.ExperimentId)
            {
                _cancelRequested = true;
                _cts?.Cancel();
                found = true;
            }
            else if (_queue.Contains(m.ExperimentId))
            {
                var rest = _queue.Where(id => id != m.ExperimentId).ToArray();
                _queue.Clear();
                foreach (var id in rest) _queue.Enqueue(id);
                _runner.Store.SetStatus(m.ExperimentId, ExperimentStatus.Cancelled);
                Context.System.EventStream.Publish(new ExperimentEnded(m.ExperimentId, ExperimentStatus.Cancelled, null));
                found = true;
            }
            Sender.Tell(new ExperimentCancelled(m.ExperimentId, found));
        });
        Receive<ExperimentProgress>(p =>
        {
            _progress[p.ExperimentId] = p;
            Context.System.EventStream.Publish(p);
        });
        Receive<RunEnded>(m =>
        {
            if (m.ExperimentId != _current) return;
            _cts?.Dispose();
            _cts = null;
            _current = null;
            string status;
            if (m.Cancelled && _cancelRequested)
            {
                status = ExperimentStatus.Cancelled;
                _runner.Store.SetStatus(m.ExperimentId, status);
            }
            else
            {
                status = m.Error is null ? ExperimentStatus.Finished : ExperimentStatus.Failed;
                if (m.Error is not null) _log.Warning("Experiment {0} failed: {1}", m.ExperimentId, m.Error);
            }
            _cancelRequested = false;
            Context.System.EventStream.Publish(new ExperimentEnded(m.ExperimentId, status, m.Error));
            StartNext();
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var e in _runner.Store.Unfinished())
        {
            _log.Info("Resuming experiment {0} ({1}/{2} cells stored)", e.Id, e.DoneCells, e.TotalCells);
            _queue.Enqueue(e.Id);
        }
        StartNext();
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // The experiment stays "running" in the store; the next manager resumes it.
        _cts?.Cancel();
    }

    private void StartNext()
    {
        if (_current is not null || _queue.Count == 0) return;
        var id = _queue.Dequeue();
        _current = id;
        _cts = new CancellationTokenSource();
        var self = Self;
        var progress = new ActorProgress(self);
        var token = _cts.Token;
        _runner.RunAsync(id, progress, token).ContinueWith(
            t => new RunEnded(id, t.IsCanceled, t.Exception?.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).PipeTo(self);
    }

    /// <summary>Forwards runner progress into the mailbox (Tell is thread-safe; actor state is not).</summary>
    private sealed class ActorProgress(IActorRef self) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => self.Tell(value);
    }

    private sealed record RunEnded(string ExperimentId, bool Cancelled, string? Error);
}
