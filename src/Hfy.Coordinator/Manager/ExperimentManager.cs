using Akka.Actor;
using Akka.Event;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Experiments;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Manager;

/// <summary>
/// The experiment manager: meant to run as a cluster singleton (host it with <c>ClusterSingletonManager</c>
/// using <see cref="Props"/>). It validates and stores submitted specs, runs them one at a time through an
/// <see cref="ExperimentRunner"/>, and on start resumes every experiment the store shows as queued or running,
/// so a manager that died mid-run (or a singleton that moved) continues where the store says it stopped.
/// Everything a restarted manager needs is in the store: the specs, the queue (status queued or running, oldest
/// first, running ones ahead), every stored cell (skipped on resume, and unique per key), and cancellations (stored
/// when requested, so a crash right after a cancel does not resume the experiment). A coordinated shutdown pauses the
/// running experiment in its service-stop phase, while the cluster engine still answers, so it stays "running" in the
/// store instead of failing on a stopped shard region; a run that fails while the node is stopping is put back in
/// the queue for the same reason.
/// Progress: every <see cref="ExperimentProgress"/> and <see cref="ExperimentEnded"/> is published on
/// <c>Context.System.EventStream</c> (subscribe to those types).
/// </summary>
public sealed class ExperimentManager : ReceiveActor, IWithTimers
{
    /// <summary>How often the manager looks in the store for queued experiments it was not told about.</summary>
    public static readonly TimeSpan DefaultRescanInterval = TimeSpan.FromSeconds(5);

    private readonly ExperimentRunner _runner;
    private readonly SpecLimits _limits;
    private readonly TimeSpan _rescanInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<string> _queue = new();
    private readonly Dictionary<string, ExperimentProgress> _progress = new(StringComparer.Ordinal);
    private string? _current;
    private CancellationTokenSource? _cts;
    private bool _cancelRequested;

    // Cancelled when the actor system starts its coordinated shutdown (set from the shutdown task's thread).
    private readonly CancellationTokenSource _stopping = new();
    private readonly RunHandle _running = new();
    private CancellationTokenSource? _linked;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for a manager over an engine and a store.</summary>
    public static Props Props(IRetrievalEngine engine, ResultsStore store, SpecLimits limits, RunnerOptions? options = null, TimeSpan? rescanInterval = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(limits);
        return Akka.Actor.Props.Create(() => new ExperimentManager(new ExperimentRunner(engine, store, options), limits, rescanInterval));
    }

    /// <summary>A manager over a runner (see <see cref="Props"/>).</summary>
    public ExperimentManager(ExperimentRunner runner, SpecLimits limits, TimeSpan? rescanInterval = null)
    {
        _runner = runner;
        _limits = limits;
        _rescanInterval = rescanInterval ?? DefaultRescanInterval;

        Receive<SubmitExperiment>(m =>
        {
            // Validation is linear in the spec but reads file headers: it runs on a pool thread, and the
            // mailbox goes on with other messages meanwhile (the result comes back as Validated).
            var sender = Sender;
            var limits = _limits;
            Task.Run(() => SpecValidator.ParseAndValidate(m.SpecJson, limits))
                .PipeTo(Self, success: r => new Validated(m, r.Spec, r.Errors, sender));
        });
        Receive<Validated>(m =>
        {
            if (m.Errors.Count > 0 || m.Spec is null)
            {
                m.ReplyTo.Tell(new ExperimentRejected(m.Errors));
                return;
            }
            var total = (int)GridExpansion.Count(m.Spec);
            var id = _runner.Store.CreateExperiment(m.Spec, total, m.Request.RequestId);
            Enqueue(id);
            m.ReplyTo.Tell(new ExperimentAccepted(id, total));
        });
        Receive<EnqueueExperiment>(m => Enqueue(m.ExperimentId));
        Receive<Rescan>(_ =>
        {
            foreach (var e in _runner.Store.Unfinished()) Enqueue(e.Id);
        });
        Receive<Status.Failure>(f => _log.Error(f.Cause, "Spec validation failed unexpectedly"));
        Receive<GetExperiment>(m => Sender.Tell(new ExperimentInfo(
            _runner.Store.GetExperiment(m.ExperimentId), _progress.GetValueOrDefault(m.ExperimentId))));
        Receive<ListExperiments>(_ => Sender.Tell(new ExperimentList(_runner.Store.ListExperiments())));
        Receive<CancelExperiment>(m =>
        {
            var found = false;
            if (_current == m.ExperimentId)
            {
                // Stored first: a manager that dies before the run has stopped must not resume it.
                _runner.Store.SetStatus(m.ExperimentId, ExperimentStatus.Cancelled);
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
            if (m.Cancelled && !_cancelRequested && _stopping.IsCancellationRequested)
            {
                // Paused by a coordinated shutdown: left queued/running in the store for the next manager.
                _log.Info("Experiment {0} paused for shutdown; the next coordinator resumes it", m.ExperimentId);
                return;
            }

            string status;
            var error = m.Error;
            if (_cancelRequested && (m.Cancelled || error is not null))
            {
                // The store says cancelled since the request; a run that finished anyway stays finished.
                status = ExperimentStatus.Cancelled;
                error = null;
                _runner.Store.SetStatus(m.ExperimentId, status);
            }
            else if (m.Cancelled)
            {
                // Cancelled by nobody: an operation inside the run gave up (a timeout that surfaced as a cancellation).
                status = ExperimentStatus.Failed;
                error = "the run was cancelled from inside (an operation timed out); resume it to go on";
                _runner.Store.SetStatus(m.ExperimentId, status, error);
            }
            else
            {
                status = error is null ? ExperimentStatus.Finished : ExperimentStatus.Failed;
            }

            if (error is not null) _log.Warning("Experiment {0} failed: {1}", m.ExperimentId, error);
            _cancelRequested = false;
            Context.System.EventStream.Publish(new ExperimentEnded(m.ExperimentId, status, error));
            StartNext();
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        // Running experiments first (they were interrupted), then the queue in submission order.
        foreach (var e in _runner.Store.Unfinished().OrderBy(e => e.Status == ExperimentStatus.Running ? 0 : 1))
        {
            _log.Info("Resuming experiment {0} ({1}/{2} cells stored)", e.Id, e.DoneCells, e.TotalCells);
            _queue.Enqueue(e.Id);
        }
        Timers.StartPeriodicTimer("rescan", Rescan.Instance, _rescanInterval);
        RegisterShutdownPause();
        StartNext();
    }

    /// <summary>
    /// In the service-stop phase of coordinated shutdown (before the shard regions stop), cancels the run and waits
    /// for it to end, so the experiment is left "running" with every finished cell stored.
    /// </summary>
    private void RegisterShutdownPause()
    {
        var stopping = _stopping;
        var running = _running;
        var shutdown = CoordinatedShutdown.Get(Context.System);
        // Within the phase's own timeout, so that a slow run never makes the phase time out.
        var timeout = shutdown.Timeout(CoordinatedShutdown.PhaseServiceStop) * 0.8;
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "pause-experiments", async () =>
        {
            try
            {
                stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                return Akka.Done.Instance; // this manager already stopped
            }

            await Task.WhenAny(running.Current, Task.Delay(timeout)).ConfigureAwait(false);
            return Akka.Done.Instance;
        });
    }

    /// <summary>Queues a stored experiment unless it is already queued or running; starts it when idle.</summary>
    private void Enqueue(string id)
    {
        if (id == _current || _queue.Contains(id)) return;
        _queue.Enqueue(id);
        StartNext();
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // The experiment stays "running" in the store; the next manager resumes it.
        _stopping.Cancel();
        _cts?.Cancel();
        _linked?.Dispose();
        _stopping.Dispose();
    }

    private void StartNext()
    {
        if (_current is not null || _queue.Count == 0) return;
        var id = _queue.Dequeue();
        _current = id;
        // _cts: a user's cancel; _linked: that or this node stopping.
        _cts = new CancellationTokenSource();
        _linked?.Dispose();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, _stopping.Token);
        var self = Self;
        var progress = new ActorProgress(self);
        var token = _linked.Token;
        var cancelled = _cts.Token;
        var stopping = _stopping.Token;
        var store = _runner.Store;
        var run = _runner.RunAsync(id, progress, token).ContinueWith(t =>
        {
            var error = t.Exception?.GetBaseException().Message;
            if (error is not null && stopping.IsCancellationRequested && !cancelled.IsCancellationRequested)
            {
                // Failed because this node is stopping (its engine went first): not the experiment's fault.
                store.Requeue(id);
                return new RunEnded(id, true, null);
            }

            return new RunEnded(id, t.IsCanceled, error);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _running.Current = run;
        run.PipeTo(self);
    }

    /// <summary>Forwards runner progress into the mailbox (Tell is thread-safe; actor state is not).</summary>
    private sealed class ActorProgress(IActorRef self) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => self.Tell(value);
    }

    private sealed record RunEnded(string ExperimentId, bool Cancelled, string? Error);

    private sealed record Validated(SubmitExperiment Request, ExperimentSpec? Spec, IReadOnlyList<SpecError> Errors, IActorRef ReplyTo);

    /// <summary>The current run's task, read by the shutdown task on another thread.</summary>
    private sealed class RunHandle
    {
        private volatile Task _current = Task.CompletedTask;

        public Task Current
        {
            get => _current;
            set => _current = value;
        }
    }

    private sealed record Rescan
    {
        public static Rescan Instance { get; } = new();
    }
}
