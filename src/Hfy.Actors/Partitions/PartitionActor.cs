using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Partitions;

/// <summary>
/// One bank partition: a contiguous row range built from the bank spec (so it can be rebuilt on any node) and the
/// scores of the requests in flight. A resident partition (a float32 <see cref="Bank"/>) scores the step once and keeps
/// the scores; a partition of any other storage kind (procedural, memory-mapped, half, bit-packed: docs/capacity.md)
/// keeps only the step's queries and answers every round with passes over its store (<see cref="StoreScoreSource"/>),
/// so a procedural partition of 10⁸ rows costs O(1) memory and moves between nodes as (seed, row range). Runs on the numeric dispatcher; a round's numeric work
/// runs off the message handler and its result comes back as a message.
/// </summary>
public sealed class PartitionActor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>How many requests' scores a partition keeps at most (oldest evicted first).</summary>
    public const int MaxHeldRequests = 16;

    private readonly Dictionary<MapSpec, CandidateRule> _rules = [];
    private readonly Dictionary<string, HeldScores> _held = [];
    private readonly LinkedList<string> _lru = new();
    private PartitionAddress? _address;
    private float[] _rows = [];
    private IPatternStore? _store;

    /// <summary>Creates the actor (rows load on the first message, which carries the bank spec).</summary>
    public PartitionActor()
    {
        Ready();
    }

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props on the numeric dispatcher.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new PartitionActor()).WithDispatcher(Cluster.HfyConfig.NumericDispatcher);

    private void Ready()
    {
        Receive<LoadPartition>(m =>
        {
            Load(m.Partition);
            Sender.Tell(Loaded());
        });
        Receive<DropPartition>(m =>
        {
            _rows = [];
            _store = null;
            Announce(null);
            _held.Clear();
            _lru.Clear();
            Sender.Tell(new PartitionDropped(m.Partition.Spec.Name, m.Partition.Index));
            // Passivate so that remember-entities forgets the entity (a plain stop would restart it).
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<ScoreRequest>(m => Offload(m.Header, () => OnScore(m)));
        Receive<GatherRequest>(m => Offload(m.Header, () => OnGather(m)));
        Receive<ProbeRequest>(m => Offload(m.Header, () => OnProbe(m)));
        Receive<ReadoutRequest>(m => Offload(m.Header, () => OnReadout(m)));
        Receive<SupportCountRequest>(m => Offload(m.Header, () => OnSupportCount(m)));
        Receive<ReleaseScores>(m => Forget(m.RequestId));
    }

    /// <summary>While a round's numeric work runs, every other message waits in the stash (the partition answers in order).</summary>
    private void Busy()
    {
        Receive<WorkDone>(d =>
        {
            try
            {
                d.Apply();
            }
            finally
            {
                Become(Ready);
                Stash.UnstashAll();
            }
        });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>
    /// A round request: <paramref name="prepare"/> checks the state on the actor (null: answered already) and returns
    /// the numeric work, which runs off the message handler on the numeric dispatcher and returns what to do back
    /// on the actor (hold the scores, reply). A request error answers the request (it fails fast) instead of
    /// restarting the partition silently; any other error is rethrown on the actor (supervision).
    /// </summary>
    private void Offload(RoundHeader h, Func<Work?> prepare)
    {
        Work? work;
        try
        {
            Load(h.Partition);
            work = prepare();
        }
        catch (Exception e) when (IsRequestError(e))
        {
            Sender.Tell(Failed(h, e));
            return;
        }

        if (work is null) return;
        var self = Self;
        var sender = Sender;
        Become(Busy);
        Context.Dispatcher.Schedule(() =>
        {
            Action apply;
            try
            {
                apply = work();
            }
            catch (Exception e) when (IsRequestError(e))
            {
                apply = () => sender.Tell(Failed(h, e));
            }
            catch (Exception e)
            {
                var error = ExceptionDispatchInfo.Capture(e);
                apply = error.Throw;
            }

            self.Tell(new WorkDone(apply));
        });
    }

    private static bool IsRequestError(Exception e) =>
        e is ArgumentException or InvalidOperationException or IOException or NotSupportedException or InvalidDataException;

    private static PartitionFailed Failed(RoundHeader h, Exception e) =>
        new(h.RequestId, h.Round, h.Partition.Index, $"partition {h.Partition.EntityId}: {e.Message}");

    private PartitionLoaded Loaded()
    {
        Debug.Assert(_address is not null);
        return new PartitionLoaded(
            _address.Spec.Name, _address.Index, _address.RowCount, _store?.ResidentBytes ?? (long)_rows.Length * sizeof(float),
            ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());
    }

    private void Load(PartitionAddress address)
    {
        if (_address == address) return;
        var store = BankSources.OpenStore(address.Spec, address.FirstRow, address.RowCount);
        _rows = store is Bank bank ? bank.Data : [];
        _store = store is Bank ? null : store;
        _address = address;
        Announce(BankSources.ResolvedStorage(address.Spec, address.RowCount).ToString().ToLowerInvariant());
        _held.Clear();
        _lru.Clear();
    }

    /// <summary>Tells this node's <see cref="NodeInfoActor"/> which storage kind the partition holds (null: none).</summary>
    private void Announce(string? kind)
    {
        if (_address is null) return;
        Context.ActorSelection($"/user/{NodeInfoActor.Name}").Tell(new StorageHeld(_address.EntityId, kind));
    }

    private Work OnScore(ScoreRequest m)
    {
        if (_store is not null) return OnScoreStreamed(m, _store);
        var (h, mp, qb) = (m.Header, m.Map, m.Queries);
        var dim = h.Partition.Spec.Dim;
        var n = h.Partition.RowCount;
        var first = h.Partition.FirstRow;
        // The step's scores replace the previous step's of the same request: reuse that block (no zeroing, no LOH churn).
        var length = (long)qb.Batch * n;
        var scores = _held.TryGetValue(h.RequestId, out var previous) && previous.Scores.LongLength == length
            ? previous.Scores
            : GC.AllocateUninitializedArray<float>(checked((int)length));
        var rule = RuleOf(mp.Map);
        var rows = _rows;
        var sender = Sender;
        return () =>
        {
            if (n > 0) Scorer.ScoreBatch(rows, dim, qb.Queries, qb.Batch, mp.Beta, scores);
            var caps = new CandidateCaps(mp.CandidateCap, mp.RowCap, mp.LeadRows);
            var summaries = new ScoreSummary[qb.Batch];
            for (var b = 0; b < qb.Batch; b++)
            {
                var retrieved = qb.Final[b] && qb.Exact.Length > 0
                    ? PartitionScoring.FindRetrieved(rows, dim, first, qb.Exact.AsSpan(b * dim, dim), qb.RetrievedTol)
                    : -1;
                summaries[b] = PartitionScoring.Summarize(rule, scores.AsSpan(b * n, n), rows, dim, first, caps, qb.PairCaps[b], retrieved);
            }

            return () =>
            {
                Hold(h.RequestId, new HeldScores(h.Step, qb.Batch, scores));
                sender.Tell(new ScoreReply(h.RequestId, h.Round, h.Partition.Index, summaries));
            };
        };
    }

    /// <summary>The score round of a streamed partition: one fused pass; the source (the step's queries) is held for the later rounds.</summary>
    private Work OnScoreStreamed(ScoreRequest m, IPatternStore store)
    {
        var (h, mp, qb) = (m.Header, m.Map, m.Queries);
        var dim = h.Partition.Spec.Dim;
        var rule = RuleOf(mp.Map);
        var settings = new StoreSourceSettings
        {
            CandidateCap = Math.Max(mp.CandidateCap, rule.AnchorRank),
            PairCap = Math.Max(1, qb.PairCaps.DefaultIfEmpty(0).Max()),
            FirstRow = h.Partition.FirstRow,
            SoftmaxTolerance = mp.SoftmaxTolerance,
        };
        var source = new StoreScoreSource(store, new RetrievalOptions(mp.Map, mp.Beta, 0, RetrievedTol: qb.RetrievedTol), rule, settings);
        var states = new double[qb.Batch][];
        for (var b = 0; b < qb.Batch; b++)
        {
            states[b] = qb.Final[b] && qb.Exact.Length > 0
                ? qb.Exact.AsSpan(b * dim, dim).ToArray()
                : Array.ConvertAll(qb.Queries.AsSpan(b * dim, dim).ToArray(), v => (double)v);
        }

        var sender = Sender;
        return () =>
        {
            var summaries = Sync(source.ScoreAsync(new ScoreRound(h.Step, states, qb.Final)))[0];
            return () =>
            {
                Hold(h.RequestId, new HeldScores(h.Step, qb.Batch, [], source));
                sender.Tell(new ScoreReply(h.RequestId, h.Round, h.Partition.Index, summaries));
            };
        };
    }

    /// <summary>A later round of a streamed partition: a pass over its store through the held source.</summary>
    private Work? OnStreamed(RoundHeader h, Func<StoreScoreSource, object[]> round)
    {
        if (!TryScores(h, out var held)) return null;
        var source = held.Source ?? throw new InvalidOperationException("streamed round without a held source");
        var sender = Sender;
        return () =>
        {
            var messages = round(source);
            return () =>
            {
                foreach (var message in messages) sender.Tell(message);
            };
        };
    }

    private static T Sync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private Work? OnGather(GatherRequest m)
    {
        var h = m.Header;
        if (_store is not null)
            return OnStreamed(h, s => GatherChunks.Split(h.RequestId, h.Round, h.Partition.Index, Sync(s.GatherAsync(m.Bounds, m.Cap))[0], m.MaxReplyBytes));
        // Dense regimes gather every row for every query: pushed in chunks below the message budget, no further requests.
        return OnHeld<GatherPart>(h, m.Bounds.Length,
            () => (b, scores) => PartitionScoring.GatherAbove(scores, h.Partition.FirstRow, m.Bounds[b], m.Cap),
            parts => GatherChunks.Split(h.RequestId, h.Round, h.Partition.Index, parts, m.MaxReplyBytes));
    }

    private Work? OnProbe(ProbeRequest m)
    {
        var h = m.Header;
        if (_store is not null) return OnStreamed(h, s => [new ProbeReply(h.RequestId, h.Round, h.Partition.Index, Sync(s.ProbeAsync(m.Taus))[0])]);
        return OnHeld<MassSummary[]>(h, m.Taus.Length,
            () =>
            {
                var map = RuleOf(m.Map).Threshold ?? throw new ArgumentException($"probe: map {m.Map.Label} is not a threshold map");
                return (b, scores) => PartitionScoring.Probe(map, scores, m.Taus[b]);
            },
            sums => [new ProbeReply(h.RequestId, h.Round, h.Partition.Index, sums)]);
    }

    private Work? OnReadout(ReadoutRequest m)
    {
        var h = m.Header;
        if (_store is not null)
        {
            var round = new ReadoutRound(m.Modes, m.Taus, m.Ids, m.Weights, Array.ConvertAll(m.PairCaps, c => c > 0));
            return OnStreamed(h, s => [new ReadoutReply(h.RequestId, h.Round, h.Partition.Index, Sync(s.ReadoutAsync(round, Math.Max(1, m.PairCaps.DefaultIfEmpty(0).Max())))[0])]);
        }

        return OnHeld<ReadoutPart>(h, m.Modes.Length,
            () =>
            {
                var map = RuleOf(m.Map).Threshold;
                var rows = _rows;
                return (b, scores) => PartitionScoring.Readout(
                    m.Modes[b], map, m.Taus[b], m.Ids[b], m.Weights[b], scores,
                    rows, h.Partition.Spec.Dim, h.Partition.FirstRow, m.PairCaps[b]);
            },
            parts => [new ReadoutReply(h.RequestId, h.Round, h.Partition.Index, parts)]);
    }

    private Work? OnSupportCount(SupportCountRequest m)
    {
        var h = m.Header;
        if (_store is not null) return OnStreamed(h, s => [new SupportCountReply(h.RequestId, h.Round, h.Partition.Index, Sync(s.CountSupportAsync(m.Shifts, m.Totals))[0])]);
        return OnHeld<long>(h, m.Shifts.Length,
            () => (b, scores) => PartitionScoring.SupportCount(scores, m.Shifts[b], m.Totals[b]),
            counts => [new SupportCountReply(h.RequestId, h.Round, h.Partition.Index, counts)]);
    }

    /// <summary>
    /// A round on the held scores of the header's step (else <see cref="ScoresMissing"/>): <paramref name="prepare"/>
    /// runs on the actor and returns the per-query work, which then runs for each of the <paramref name="count"/>
    /// queries off the handler; <paramref name="replies"/> makes the messages sent back from the results.
    /// </summary>
    private Work? OnHeld<T>(RoundHeader h, int count, Func<QueryWork<T>> prepare, Func<T[], object[]> replies)
    {
        if (!TryScores(h, out var held)) return null;
        var perQuery = prepare();
        var n = h.Partition.RowCount;
        var sender = Sender;
        return () =>
        {
            var results = new T[count];
            for (var b = 0; b < count; b++) results[b] = perQuery(b, held.Scores.AsSpan(b * n, n));
            var messages = replies(results);
            return () =>
            {
                foreach (var message in messages) sender.Tell(message);
            };
        };
    }

    private CandidateRule RuleOf(MapSpec spec)
    {
        if (!_rules.TryGetValue(spec, out var rule))
        {
            rule = new CandidateRule(spec, MapFactory.Create(spec));
            _rules[spec] = rule;
        }

        return rule;
    }

    /// <summary>The request's scores of the header's step; else tells the sender <see cref="ScoresMissing"/> (the step is scored again).</summary>
    private bool TryScores(RoundHeader h, out HeldScores held)
    {
        if (_held.TryGetValue(h.RequestId, out held!) && held.Step == h.Step) return true;
        held = null!;
        Sender.Tell(new ScoresMissing(h.RequestId, h.Round, h.Partition.Index));
        return false;
    }

    private void Hold(string requestId, HeldScores scores)
    {
        if (_held.ContainsKey(requestId)) _lru.Remove(requestId);
        _held[requestId] = scores;
        _lru.AddLast(requestId);
        while (_lru.Count > MaxHeldRequests)
        {
            _held.Remove(_lru.First!.Value);
            _lru.RemoveFirst();
        }
    }

    private void Forget(string requestId)
    {
        if (_held.Remove(requestId)) _lru.Remove(requestId);
    }

    /// <summary>A request's step: the scores (resident partition) or the streaming source holding the step's queries.</summary>
    private sealed record HeldScores(int Step, int Batch, float[] Scores, StoreScoreSource? Source = null);

    /// <summary>A round's numeric work (off the handler); returns what to do back on the actor.</summary>
    private delegate Action Work();

    /// <summary>One query's work on its scores (off the handler).</summary>
    private delegate T QueryWork<out T>(int b, ReadOnlySpan<float> scores);

    /// <summary>The numeric work is done: <see cref="Apply"/> holds its scores and replies, on the actor.</summary>
    private sealed record WorkDone(Action Apply) : INoSerializationVerificationNeeded;
}
