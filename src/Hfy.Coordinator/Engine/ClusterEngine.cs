using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Pattern;
using Hfy.Actors.Cluster;
using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Actors.Retrieval;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;
using Hfy.Experiments.Engines;

namespace Hfy.Coordinator.Engine;

/// <summary>
/// <see cref="IRetrievalEngine"/> on an Akka.NET cluster: banks are split into P contiguous partitions held by
/// sharded entities on <c>bank</c> nodes; each request runs a <see cref="RetrievalAggregator"/> on this node.
/// Ask is used only here, at the edge, always with a timeout.
/// </summary>
public sealed partial class ClusterEngine : IRetrievalEngine
{
    private readonly ActorSystem _system;
    private readonly IActorRef _region;
    private readonly ClusterEngineOptions _options;
    private readonly ConcurrentDictionary<string, BankEntry> _banks = new(StringComparer.Ordinal);
    private readonly IActorRef _watcher;
    private readonly SemaphoreSlim _createGate = new(1, 1);

    /// <summary>Creates the engine on a node of the cluster; <paramref name="region"/> is the partition region or proxy.</summary>
    public ClusterEngine(ActorSystem system, IActorRef region, ClusterEngineOptions? options = null, EngineMetrics? metrics = null)
    {
        _system = system ?? throw new ArgumentNullException(nameof(system));
        _region = region ?? throw new ArgumentNullException(nameof(region));
        _options = options ?? new ClusterEngineOptions();
        var problem = _options.Retrieval.Validate();
        if (problem is not null) throw new ArgumentException(problem, nameof(options));
        if (_options.LoadTimeout <= TimeSpan.Zero) throw new ArgumentException("load timeout: must be > 0", nameof(options));
        if (_options.LoadAttemptTimeout <= TimeSpan.Zero) throw new ArgumentException("load attempt timeout: must be > 0", nameof(options));
        if (_options.Learning.Validate() is { } learning) throw new ArgumentException(learning, nameof(options));
        Metrics = metrics ?? new EngineMetrics();
        _watcher = system.ActorOf(Props.Create(() => new MembershipWatcher(this)), "hfy-engine-watcher-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>Engine-wide counters for the dashboard.</summary>
    public EngineMetrics Metrics { get; }

    /// <summary>Starts an engine on a coordinator node: a proxy to the partitions (or the region itself on a bank node).</summary>
    public static ClusterEngine Start(ActorSystem system, ClusterEngineOptions? options = null, EngineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var roles = Akka.Cluster.Cluster.Get(system).SelfRoles;
        var region = roles.Contains(HfyRoles.Bank) ? PartitionSharding.StartRegion(system) : PartitionSharding.StartProxy(system);
        return new ClusterEngine(system, region, options, metrics);
    }

    /// <summary>Partitions per bank name (P).</summary>
    public int PartitionCount(string bankName) =>
        _banks.TryGetValue(bankName, out var entry) ? entry.Partitions : throw new ArgumentException($"bank: unknown bank '{bankName}'", nameof(bankName));

    /// <inheritdoc />
    public async Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problem = ValidateSpec(spec);
        if (problem is not null) throw new ArgumentException(problem, nameof(spec));
        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_banks.TryGetValue(spec.Name, out var existing))
            {
                if (existing.Spec != spec) throw new ArgumentException($"bank: '{spec.Name}' already exists with a different spec", nameof(spec));
                return;
            }

            var bankNodes = Akka.Cluster.Cluster.Get(_system).State.Members.Count(m => m.HasRole(HfyRoles.Bank) && m.Status == Akka.Cluster.MemberStatus.Up);
            var p = _options.PartitionsPerBank ?? Math.Max(1, _options.PartitionsPerBankNode * Math.Max(1, bankNodes));
            p = (int)Math.Clamp(Math.Min(p, spec.Rows), 1, int.MaxValue);
            // Admission: a node holds its share of the partitions (a lost node's share moves to the others).
            var perNode = (p + Math.Max(1, bankNodes) - 1) / Math.Max(1, bankNodes);
            var nodeRows = Math.Min(spec.Rows, perNode * ((spec.Rows + p - 1) / p));
            if (MemoryAdmission.Refusal(spec, nodeRows, _options.NodeMemoryBudgetBytes, $"bank (the share of one of {Math.Max(1, bankNodes)} bank nodes)") is { } refusal)
                throw new ArgumentException(refusal, nameof(spec));
            var entry = new BankEntry(spec, p);
            await LoadAsync(entry, cancellationToken).ConfigureAwait(false);
            _banks[spec.Name] = entry;
        }
        finally
        {
            _createGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task DropBankAsync(string bankName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bankName);
        if (!_banks.TryRemove(bankName, out var entry)) return;
        var specs = new List<BankSpec> { entry.Spec };
        specs.AddRange(entry.Derived.Values.Select(d => d.Spec));
        foreach (var spec in specs)
        {
            // A partition handed off while its node leaves drops buffered messages: asked again like a load.
            await Task.WhenAll(Enumerable.Range(0, entry.Partitions).Select(i =>
                AskWithRetries<PartitionDropped>(new DropPartition(new PartitionAddress(spec, i, entry.Partitions)), cancellationToken))).ConfigureAwait(false);
            Metrics.ForgetBank(spec.Name);
        }
    }

    /// <inheritdoc />
    public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken) =>
        await RetrieveAsync(bankName, queries, batch, options, observer: null, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="RetrieveAsync(string, float[], int, RetrievalOptions, CancellationToken)"/>, telling <paramref name="observer"/> each step's start.</summary>
    public async Task<BatchRetrievalResult> RetrieveAsync(
        string bankName, float[] queries, int batch, RetrievalOptions options, IActorRef? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bankName);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(options);
        if (!_banks.TryGetValue(bankName, out var entry)) throw new ArgumentException($"bank: unknown bank '{bankName}'", nameof(bankName));
        var dim = entry.Spec.Dim;
        if (batch < 1) throw new ArgumentException($"batch: must be ≥ 1 (got {batch})", nameof(batch));
        if ((long)batch * dim != queries.Length)
            throw new ArgumentException($"queries: length {queries.Length} is not batch × dim = {(long)batch * dim}", nameof(queries));
        var problem = options.Problem(entry.Spec.Rows);
        if (problem is not null) throw new ArgumentException(problem, nameof(options));
        foreach (var v in queries)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"queries: every entry must be finite (got {v})", nameof(queries));
        }

        // ℓ2 / layer norm: rows and q0 normalized as the kernel does (a derived bank spec, normalized on load).
        var spec = await SpecForAsync(entry, options.Post, cancellationToken).ConfigureAwait(false);
        var q0 = new double[queries.Length];
        for (var i = 0; i < q0.Length; i++) q0[i] = queries[i];
        for (var b = 0; b < batch; b++) PostTransforms.NormalizeQuery(options.Post, q0.AsSpan(b * dim, dim));

        var job = new RetrievalJob(Guid.NewGuid().ToString("N"), spec, entry.Partitions, _region, q0, batch, options, _options.Retrieval)
        {
            Observer = observer,
        };
        // The aggregator only moves messages; its driver's merges and solves run on the numeric dispatcher.
        var props = RetrievalAggregator.Props(job);
        var aggregator = _system.ActorOf(props, "retrieve-" + job.RequestId);
        var askTimeout = _options.Retrieval.RequestTimeout + TimeSpan.FromSeconds(10);
        object reply;
        try
        {
            reply = await aggregator.Ask<object>(RetrievalAggregator.Go.Instance, askTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
        {
            _system.Stop(aggregator);
            Metrics.RecordFailure();
            if (cancellationToken.IsCancellationRequested) throw;
            throw new ClusterRetrievalException($"retrieval on '{bankName}' got no answer within {askTimeout}", e);
        }

        switch (reply)
        {
            case RetrievalCompleted done:
                var c = done.Cost;
                Metrics.RecordRequest(batch, c.Evaluations, c.RoundTrips, c.BytesSent + c.BytesReceived, c.Elapsed, c.PartitionLatenciesMs, c.Retries, c.StepRestarts);
                return new BatchRetrievalResult(done.Results, new RequestStats(c.Steps, c.RoundTrips, c.BytesSent + c.BytesReceived, c.Elapsed, c.Evaluations, c.ProbeRounds, c.ReadoutRounds));
            case RetrievalFailed failed:
                Metrics.RecordFailure();
                throw new ClusterRetrievalException($"retrieval on '{bankName}' failed: {failed.Reason}");
            default:
                Metrics.RecordFailure();
                throw new ClusterRetrievalException($"retrieval on '{bankName}': unexpected reply {reply.GetType().Name}");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _system.Stop(_watcher);
        StopLearning();
        _createGate.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Checks a bank spec; null when valid, else a one-line message naming the field.</summary>
    public static string? ValidateSpec(BankSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Contains('/', StringComparison.Ordinal) || spec.Name.Contains('#', StringComparison.Ordinal))
            return $"name: must be non-empty without '/' or '#' (got '{spec.Name}')";
        if (spec.Rows < 1) return $"rows: must be ≥ 1 (got {spec.Rows})";
        if (spec.Dim < 1) return $"dim: must be ≥ 1 (got {spec.Dim})";
        return null;
    }

    private async Task<BankSpec> SpecForAsync(BankEntry entry, PostTransform post, CancellationToken cancellationToken)
    {
        var norm = PostTransforms.RowNormalizationFor(post);
        if (norm == RowNormalization.None || entry.Spec.Normalization == norm) return entry.Spec;
        if (entry.Derived.TryGetValue(norm, out var derived)) return derived.Spec;
        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Derived.TryGetValue(norm, out derived)) return derived.Spec;
            var spec = entry.Spec with { Name = entry.Spec.Name + "#" + norm.ToString().ToLowerInvariant(), Normalization = norm };
            derived = new BankEntry(spec, entry.Partitions);
            await LoadAsync(derived, cancellationToken).ConfigureAwait(false);
            entry.Derived[norm] = derived;
            return spec;
        }
        finally
        {
            _createGate.Release();
        }
    }

    /// <summary>
    /// Asks one partition through the sharding region again every LoadAttemptTimeout until LoadTimeout has passed
    /// (Akka's RetrySupport): sharding delivers at most once, and a shard handed off while its node leaves drops the
    /// messages buffered for it.
    /// </summary>
    private Task<TReply> AskWithRetries<TReply>(object message, CancellationToken cancellationToken)
    {
        var attempt = _options.LoadAttemptTimeout < _options.LoadTimeout ? _options.LoadAttemptTimeout : _options.LoadTimeout;
        var attempts = (int)Math.Max(1, Math.Ceiling(_options.LoadTimeout / attempt));
        return RetrySupport.Retry(() => _region.Ask<TReply>(message, attempt, cancellationToken), attempts, TimeSpan.Zero, _system.Scheduler);
    }

    private async Task LoadAsync(BankEntry entry, CancellationToken cancellationToken)
    {
        var tasks = Enumerable.Range(0, entry.Partitions).Select(i =>
            AskWithRetries<PartitionLoaded>(new LoadPartition(new PartitionAddress(entry.Spec, i, entry.Partitions)), cancellationToken));
        foreach (var loaded in await Task.WhenAll(tasks).ConfigureAwait(false))
        {
            Metrics.RecordPlacement(loaded.Bank, loaded.Index, loaded.Node, loaded.Rows, loaded.Bytes);
        }
    }

    /// <summary>After a member is removed, re-loads every partition (they restart on the survivors) and refreshes placement.</summary>
    private void Rewarm()
    {
        foreach (var entry in _banks.Values.SelectMany(e => e.Derived.Values.Prepend(e)).ToArray())
        {
            for (var i = 0; i < entry.Partitions; i++)
            {
                _region.Tell(new LoadPartition(new PartitionAddress(entry.Spec, i, entry.Partitions)), _watcher);
            }
        }
    }

    private sealed class BankEntry(BankSpec spec, int partitions)
    {
        public BankSpec Spec { get; } = spec;

        public int Partitions { get; } = partitions;

        public ConcurrentDictionary<RowNormalization, BankEntry> Derived { get; } = new();
    }

    /// <summary>Feeds member events to the metrics and re-warms partitions when a member is removed.</summary>
    private sealed class MembershipWatcher : ReceiveActor, IWithTimers
    {
        private readonly ClusterEngine _engine;

        public MembershipWatcher(ClusterEngine engine)
        {
            _engine = engine;
            Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(e =>
            {
                var status = e.GetType().Name.Replace("Member", string.Empty, StringComparison.Ordinal);
                _engine.Metrics.RecordMemberEvent(e.Member.Address.ToString(), status, e.Member.Roles);
                if (e is Akka.Cluster.ClusterEvent.MemberRemoved && e.Member.HasRole(HfyRoles.Bank))
                {
                    _engine.Metrics.ForgetNode(e.Member.Address.ToString());
                    _engine.Rewarm();
                }
            });
            Receive<Akka.Cluster.ClusterEvent.UnreachableMember>(e => _engine.Metrics.RecordMemberEvent(e.Member.Address.ToString(), "Unreachable", e.Member.Roles));
            Receive<Akka.Cluster.ClusterEvent.ReachableMember>(e => _engine.Metrics.RecordMemberEvent(e.Member.Address.ToString(), "Reachable", e.Member.Roles));
            Receive<PartitionLoaded>(l => _engine.Metrics.RecordPlacement(l.Bank, l.Index, l.Node, l.Rows, l.Bytes));
            Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
            Receive<NodeMemory>(m => _engine.Metrics.RecordNodeMemory(m));
            Receive<PollMemory>(_ =>
            {
                // Every Up bank node's memory, for the dashboard (a node that does not answer keeps its last report until removed).
                foreach (var member in Akka.Cluster.Cluster.Get(Context.System).State.Members)
                {
                    if (member.Status != Akka.Cluster.MemberStatus.Up || !member.HasRole(HfyRoles.Bank)) continue;
                    Context.ActorSelection(new RootActorPath(member.Address) / "user" / NodeInfoActor.Name).Tell(new NodeMemoryRequest(++_poll));
                }
            });
        }

        private long _poll;

        protected override void PreStart()
        {
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(
                Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.IMemberEvent), typeof(Akka.Cluster.ClusterEvent.IReachabilityEvent));
            Timers.StartPeriodicTimer("poll-memory", PollMemory.Instance, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        /// <summary>Timer tick: ask the bank nodes for their memory.</summary>
        private sealed class PollMemory
        {
            public static readonly PollMemory Instance = new();
        }

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}

/// <summary>A cluster retrieval did not complete (deadline, retries exhausted, a protocol limit).</summary>
public sealed class ClusterRetrievalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterRetrievalException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ClusterRetrievalException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterRetrievalException()
    {
    }
}
