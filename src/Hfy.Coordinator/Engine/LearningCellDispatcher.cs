using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Hfy.Actors.Cluster;
using Hfy.Actors.Learning;
using Hfy.Learning.Experiments;

namespace Hfy.Coordinator.Engine;

/// <summary>Settings of the learning-cell dispatch (<see cref="ClusterEngineOptions.Learning"/>).</summary>
public sealed record LearningDispatchSettings
{
    /// <summary>
    /// Cells in flight per bank node; null (the default): as many as the node's numeric dispatcher has threads, which
    /// its learning worker tells when asked (a node gets cells only once its worker has answered).
    /// </summary>
    public int? CellsPerBankNode { get; init; }

    /// <summary>A bank node whose learning worker has not answered yet is asked again this often (it may not have started).</summary>
    public TimeSpan CapacityAskInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Cells the experiment runner hands the engine at once per Up bank node (those beyond the nodes' capacity wait in the dispatcher's queue).</summary>
    public int QueuePerBankNode { get; init; } = 32;

    /// <summary>Sends of one cell before it fails: node losses, attempt timeouts and refusals all count.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>An attempt with no answer after this long is sent again elsewhere (a cell of the full grid runs for minutes).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Queued cells fail when no bank node's learning worker has answered for this long.</summary>
    public TimeSpan NoBankNodeTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The first problem, naming the field; null when valid.</summary>
    public string? Validate() =>
        CellsPerBankNode < 1 ? $"learning cells per bank node: must be ≥ 1 or unset (got {CellsPerBankNode})"
        : QueuePerBankNode < 1 ? $"learning queue per bank node: must be ≥ 1 (got {QueuePerBankNode})"
        : MaxAttempts < 1 ? $"learning max attempts: must be ≥ 1 (got {MaxAttempts})"
        : AttemptTimeout <= TimeSpan.Zero ? "learning attempt timeout: must be > 0"
        : CapacityAskInterval <= TimeSpan.Zero ? "learning capacity ask interval: must be > 0"
        : NoBankNodeTimeout <= TimeSpan.Zero ? "learning no-bank-node timeout: must be > 0"
        : null;
}

/// <summary>A learning cell failed on every attempt, or no bank node was there to run it.</summary>
public sealed class LearningCellException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LearningCellException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public LearningCellException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LearningCellException()
    {
    }
}

/// <summary>Counters of the learning-cell dispatch (engine-wide, for tests, the docs' figures and the dashboard).</summary>
public sealed class LearningDispatchCounters
{
    private long _sent;
    private long _resent;
    private long _completed;
    private long _failed;

    /// <summary>Cells at once per node address, as the nodes told (or <see cref="LearningDispatchSettings.CellsPerBankNode"/>).</summary>
    public ConcurrentDictionary<string, int> CapacityByNode { get; } = new(StringComparer.Ordinal);

    /// <summary>Cells answered per node address.</summary>
    public ConcurrentDictionary<string, long> CompletedByNode { get; } = new(StringComparer.Ordinal);

    /// <summary>Attempts sent (first sends and re-sends).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Attempts sent again after a node loss, an attempt timeout or a refusal.</summary>
    public long Resent => Interlocked.Read(ref _resent);

    /// <summary>Cells answered.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Cells that failed for good.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    internal void RecordSent(bool again)
    {
        Interlocked.Increment(ref _sent);
        if (again) Interlocked.Increment(ref _resent);
    }

    internal void RecordCompleted(string node)
    {
        Interlocked.Increment(ref _completed);
        CompletedByNode.AddOrUpdate(node, 1, (_, n) => n + 1);
    }

    internal void RecordFailed() => Interlocked.Increment(ref _failed);
}

/// <summary>
/// The coordinator's side of the learning-cell protocol (Hfy.Actors.Learning): a queue of cells, sent to the
/// <see cref="LearningCellWorker"/> of the Up, reachable bank nodes, least-loaded first (ties round-robin), at most
/// as many per node as it trains at once (its <see cref="LearningCapacity"/>, asked when it joins, or
/// <see cref="LearningDispatchSettings.CellsPerBankNode"/>); a node gets cells only once its worker has answered. A node that becomes unreachable or is removed has
/// its cells sent again elsewhere, as has an attempt that times out or is refused; a cell is a pure function of its
/// work, so whichever answer comes first is the answer and later ones are dropped.
/// </summary>
internal sealed class LearningCellDispatcher : ReceiveActor, IWithTimers
{
    private readonly LearningDispatchSettings _settings;
    private readonly LearningDispatchCounters _counters;
    private readonly List<Address> _nodes = [];
    private readonly HashSet<Address> _unanswered = [];
    private readonly Dictionary<Address, int> _load = [];
    private readonly Dictionary<Address, int> _capacity = [];
    private readonly LinkedList<Job> _queue = new();
    private readonly Dictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private int _cursor;
    private long _sequence;

    public LearningCellDispatcher(LearningDispatchSettings settings, LearningDispatchCounters counters)
    {
        _settings = settings;
        _counters = counters;
        Receive<Submit>(m =>
        {
            var job = new Job(m.RequestId, m.Work, m.Completion);
            _jobs[job.Id] = job;
            _queue.AddLast(job);
            Dispatch();
        });
        Receive<Cancel>(m =>
        {
            if (!_jobs.Remove(m.RequestId, out var job)) return;
            _queue.Remove(job);
            Release(job);
            Dispatch();
        });
        Receive<LearningCellDone>(m =>
        {
            // The first answer of any attempt is the answer: the same work gives the same metrics on every node. (An
            // earlier attempt's node may answer after the cell was queued again: it leaves the queue too.)
            if (!_jobs.Remove(m.RequestId, out var job)) return;
            _queue.Remove(job);
            Release(job);
            _counters.RecordCompleted(m.Node);
            job.Completion.TrySetResult(m.Metrics.ToMetrics());
            Dispatch();
        });
        Receive<LearningCellFailed>(m =>
        {
            if (!_jobs.TryGetValue(m.RequestId, out var job) || job.Attempt != m.Attempt || job.Node is null) return;
            job.Failures.Add($"{m.Node}: {m.Reason}");
            Retry(job);
        });
        Receive<AttemptTimedOut>(m =>
        {
            if (!_jobs.TryGetValue(m.RequestId, out var job) || job.Attempt != m.Attempt || job.Node is null) return;
            job.Failures.Add($"{job.Node}: no answer within {_settings.AttemptTimeout}");
            Retry(job);
        });
        Receive<NoBankNode>(_ =>
        {
            if (_nodes.Count > 0) return;
            foreach (var job in _queue.ToArray())
            {
                Fail(job, $"learning cell {job.Work.Describe()}: no bank node's learning worker answered for {_settings.NoBankNodeTimeout}");
            }
        });
        Receive<LearningCapacity>(m =>
        {
            var node = Sender.Path.Address;
            if (!_unanswered.Remove(node) && !_nodes.Contains(node)) return;
            Timers.Cancel(AskKey(node));
            var cells = _settings.CellsPerBankNode ?? Math.Max(1, m.Cells);
            _capacity[node] = cells;
            _counters.CapacityByNode[m.Node] = cells;
            if (!_nodes.Contains(node)) _nodes.Add(node);
            _load.TryAdd(node, 0);
            Timers.Cancel(NoBankNode.Instance);
            Dispatch();
        });
        Receive<AskCapacity>(m =>
        {
            if (_unanswered.Contains(m.Node)) Ask(m.Node);
        });
        Receive<ClusterEvent.MemberUp>(e => Add(e.Member));
        Receive<ClusterEvent.ReachableMember>(e =>
        {
            if (e.Member.Status == MemberStatus.Up) Add(e.Member);
        });
        Receive<ClusterEvent.UnreachableMember>(e => Lose(e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e => Lose(e.Member.Address));
        // A leaving node takes no new cells; the ones it runs are resent if its answer does not arrive before it is removed.
        Receive<ClusterEvent.MemberLeft>(e => Remove(e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => Remove(e.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(LearningDispatchSettings settings, LearningDispatchCounters counters) =>
        Akka.Actor.Props.Create(() => new LearningCellDispatcher(settings, counters));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(
            Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        foreach (var job in _jobs.Values) job.Completion.TrySetException(new LearningCellException($"learning cell {job.Work.Describe()}: the engine stopped"));
        _jobs.Clear();
    }

    /// <summary>A bank node is Up (or reachable again): it gets cells once its learning worker says how many.</summary>
    private void Add(Member member)
    {
        if (!member.HasRole(HfyRoles.Bank) || _nodes.Contains(member.Address) || !_unanswered.Add(member.Address)) return;
        Ask(member.Address);
        Timers.StartPeriodicTimer(AskKey(member.Address), new AskCapacity(member.Address), _settings.CapacityAskInterval);
    }

    private void Ask(Address node) =>
        Context.ActorSelection(new RootActorPath(node) / "user" / LearningCellWorker.Name).Tell(new LearningCapacityRequest(++_sequence), Self);

    private static string AskKey(Address node) => "ask:" + node;

    private void Remove(Address node)
    {
        if (_nodes.Remove(node)) _cursor = 0;
        _unanswered.Remove(node);
        Timers.Cancel(AskKey(node));
    }

    /// <summary>The node is gone (or cannot be reached): its cells go back to the front of the queue.</summary>
    private void Lose(Address node)
    {
        Remove(node);
        foreach (var job in _jobs.Values.Where(j => j.Node == node).ToArray())
        {
            job.Failures.Add($"{node}: node lost");
            Retry(job);
        }

        _load.Remove(node);
        Dispatch();
    }

    private void Retry(Job job)
    {
        Release(job);
        if (job.Attempt >= _settings.MaxAttempts)
        {
            Fail(job, $"learning cell {job.Work.Describe()} failed on {job.Attempt} attempts: {string.Join("; ", job.Failures)}");
        }
        else
        {
            _queue.AddFirst(job);
        }

        Dispatch();
    }

    private void Fail(Job job, string reason)
    {
        _jobs.Remove(job.Id);
        _queue.Remove(job);
        _counters.RecordFailed();
        job.Completion.TrySetException(new LearningCellException(reason));
    }

    private void Release(Job job)
    {
        if (job.Node is { } node && _load.TryGetValue(node, out var n)) _load[node] = Math.Max(0, n - 1);
        job.Node = null;
        Timers.Cancel(job.Id);
    }

    /// <summary>Sends queued cells to the least-loaded nodes with room, ties in round-robin order.</summary>
    private void Dispatch()
    {
        if (_queue.Count > 0 && _nodes.Count == 0 && !Timers.IsTimerActive(NoBankNode.Instance))
        {
            Timers.StartSingleTimer(NoBankNode.Instance, NoBankNode.Instance, _settings.NoBankNodeTimeout);
        }

        while (_queue.First is { } first)
        {
            var job = first.Value;
            var node = Pick(job);
            if (node is null) return;
            _queue.RemoveFirst();
            job.Attempt++;
            job.Node = node;
            job.Tried.Add(node);
            _load[node] = _load.GetValueOrDefault(node) + 1;
            _counters.RecordSent(again: job.Attempt > 1);
            Context.ActorSelection(new RootActorPath(node) / "user" / LearningCellWorker.Name)
                .Tell(new RunLearningCell(job.Id, job.Attempt, LearningCellPart.From(job.Work)), Self);
            Timers.StartSingleTimer(job.Id, new AttemptTimedOut(job.Id, job.Attempt), _settings.AttemptTimeout);
        }
    }

    private Address? Pick(Job job)
    {
        Address? best = null;
        var bestLoad = int.MaxValue;
        var bestFresh = false;
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[(_cursor + i) % _nodes.Count];
            var load = _load.GetValueOrDefault(node);
            if (load >= _capacity.GetValueOrDefault(node, 1)) continue;
            // A resent cell prefers a node it has not tried (a refusal may be that node's: data missing there).
            var fresh = !job.Tried.Contains(node);
            if (best is null || (fresh && !bestFresh) || (fresh == bestFresh && load < bestLoad))
            {
                (best, bestLoad, bestFresh) = (node, load, fresh);
            }
        }

        if (best is not null) _cursor = (_nodes.IndexOf(best) + 1) % _nodes.Count;
        return best;
    }

    /// <summary>A cell to run; <paramref name="Completion"/> gets its metrics or its failure.</summary>
    internal sealed record Submit(string RequestId, LearningCellWork Work, TaskCompletionSource<LearningCellMetrics> Completion) : INoSerializationVerificationNeeded;

    /// <summary>The caller gave up on a cell (cancellation).</summary>
    internal sealed record Cancel(string RequestId) : INoSerializationVerificationNeeded;

    private sealed record AttemptTimedOut(string RequestId, int Attempt) : INoSerializationVerificationNeeded;

    private sealed record AskCapacity(Address Node) : INoSerializationVerificationNeeded;

    private sealed class NoBankNode : INoSerializationVerificationNeeded
    {
        public static readonly NoBankNode Instance = new();
    }

    private sealed class Job(string id, LearningCellWork work, TaskCompletionSource<LearningCellMetrics> completion)
    {
        public string Id { get; } = id;

        public LearningCellWork Work { get; } = work;

        public TaskCompletionSource<LearningCellMetrics> Completion { get; } = completion;

        public int Attempt { get; set; }

        public Address? Node { get; set; }

        public HashSet<Address> Tried { get; } = [];

        public List<string> Failures { get; } = [];
    }
}
