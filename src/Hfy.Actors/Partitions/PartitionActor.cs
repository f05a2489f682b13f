using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Partitions;

/// <summary>
/// One bank partition: a contiguous row range materialized from the bank spec (so it can be rebuilt on
/// any node), and the scores of the requests in flight. Runs on the numeric dispatcher.
/// </summary>
public sealed class PartitionActor : ReceiveActor
{
    /// <summary>How many requests' scores a partition keeps at most (oldest evicted first).</summary>
    public const int MaxHeldRequests = 16;

    private readonly Dictionary<MapSpec, CandidateRule> _rules = [];
    private readonly Dictionary<string, HeldScores> _held = [];
    private readonly LinkedList<string> _lru = new();
    private PartitionAddress? _address;
    private float[] _rows = [];

    /// <summary>Creates the actor (rows load on the first message, which carries the bank spec).</summary>
    public PartitionActor()
    {
        Receive<LoadPartition>(m =>
        {
            Load(m.Partition);
            Sender.Tell(Loaded());
        });
        Receive<DropPartition>(m =>
        {
            _rows = [];
            _held.Clear();
            _lru.Clear();
            Sender.Tell(new PartitionDropped(m.Partition.Spec.Name, m.Partition.Index));
            // Passivate so that remember-entities forgets the entity (a plain stop would restart it).
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<ScoreRequest>(m => Guard(m.Header, () => OnScore(m)));
        Receive<GatherRequest>(m => Guard(m.Header, () => OnGather(m)));
        Receive<ProbeRequest>(m => Guard(m.Header, () => OnProbe(m)));
        Receive<ReadoutRequest>(m => Guard(m.Header, () => OnReadout(m)));
        Receive<SupportCountRequest>(m => Guard(m.Header, () => OnSupportCount(m)));
        Receive<ReleaseScores>(m => Forget(m.RequestId));
    }

    /// <summary>Props on the numeric dispatcher.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new PartitionActor()).WithDispatcher(Cluster.HfyConfig.NumericDispatcher);

    /// <summary>A failure answers the request (it fails fast) instead of restarting the partition silently.</summary>
    private void Guard(RoundHeader h, Action work)
    {
        try
        {
            Load(h.Partition);
            work();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException or InvalidDataException)
        {
            Sender.Tell(new PartitionFailed(h.RequestId, h.Round, h.Partition.Index, $"partition {h.Partition.EntityId}: {e.Message}"));
        }
    }

    private PartitionLoaded Loaded()
    {
        Debug.Assert(_address is not null);
        return new PartitionLoaded(
            _address.Spec.Name, _address.Index, _address.RowCount, (long)_rows.Length * sizeof(float),
            ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());
    }

    private void Load(PartitionAddress address)
    {
        if (_address == address) return;
        _rows = BankSources.ReadRows(address.Spec, address.FirstRow, address.RowCount);
        _address = address;
        _held.Clear();
        _lru.Clear();
    }

    private void OnScore(ScoreRequest m)
    {
        var (h, mp, qb) = (m.Header, m.Map, m.Queries);
        var dim = h.Partition.Spec.Dim;
        var n = h.Partition.RowCount;
        var first = h.Partition.FirstRow;
        // The step's scores replace the previous step's of the same request: reuse that block (no zeroing, no LOH churn).
        var length = (long)qb.Batch * n;
        var scores = _held.TryGetValue(h.RequestId, out var previous) && previous.Scores.LongLength == length
            ? previous.Scores
            : GC.AllocateUninitializedArray<float>(checked((int)length));
        if (n > 0) Scorer.ScoreBatch(_rows, dim, qb.Queries, qb.Batch, mp.Beta, scores);
        var rule = RuleOf(mp.Map);
        var caps = new CandidateCaps(mp.CandidateCap, mp.RowCap, mp.LeadRows);
        var summaries = new ScoreSummary[qb.Batch];
        for (var b = 0; b < qb.Batch; b++)
        {
            var retrieved = qb.Final[b] && qb.Exact.Length > 0
                ? PartitionScoring.FindRetrieved(_rows, dim, first, qb.Exact.AsSpan(b * dim, dim), qb.RetrievedTol)
                : -1;
            summaries[b] = PartitionScoring.Summarize(rule, scores.AsSpan(b * n, n), _rows, dim, first, caps, qb.PairCaps[b], retrieved);
        }

        Hold(h.RequestId, new HeldScores(h.Step, qb.Batch, scores));
        Sender.Tell(new ScoreReply(h.RequestId, h.Round, h.Partition.Index, summaries));
    }

    private void OnGather(GatherRequest m)
    {
        var h = m.Header;
        if (!TryScores(h, out var held)) return;
        var n = h.Partition.RowCount;
        var parts = new GatherPart[m.Bounds.Length];
        for (var b = 0; b < parts.Length; b++)
        {
            parts[b] = PartitionScoring.GatherAbove(held.Scores.AsSpan(b * n, n), h.Partition.FirstRow, m.Bounds[b], m.Cap);
        }

        // Dense regimes gather every row for every query: pushed in chunks below the message budget, no further requests.
        var sender = Sender;
        foreach (var chunk in GatherChunks.Split(h.RequestId, h.Round, h.Partition.Index, parts, m.MaxReplyBytes)) sender.Tell(chunk);
    }

    private void OnProbe(ProbeRequest m)
    {
        var h = m.Header;
        if (!TryScores(h, out var held)) return;
        var map = RuleOf(m.Map).Threshold ?? throw new ArgumentException($"probe: map {m.Map.Label} is not a threshold map");
        var n = h.Partition.RowCount;
        var sums = new MassSummary[m.Taus.Length][];
        for (var b = 0; b < sums.Length; b++) sums[b] = PartitionScoring.Probe(map, held.Scores.AsSpan(b * n, n), m.Taus[b]);
        Sender.Tell(new ProbeReply(h.RequestId, h.Round, h.Partition.Index, sums));
    }

    private void OnReadout(ReadoutRequest m)
    {
        var h = m.Header;
        if (!TryScores(h, out var held)) return;
        var map = RuleOf(m.Map).Threshold;
        var n = h.Partition.RowCount;
        var parts = new ReadoutPart[m.Modes.Length];
        for (var b = 0; b < parts.Length; b++)
        {
            parts[b] = PartitionScoring.Readout(
                m.Modes[b], map, m.Taus[b], m.Ids[b], m.Weights[b], held.Scores.AsSpan(b * n, n),
                _rows, h.Partition.Spec.Dim, h.Partition.FirstRow, m.PairCaps[b]);
        }

        Sender.Tell(new ReadoutReply(h.RequestId, h.Round, h.Partition.Index, parts));
    }

    private void OnSupportCount(SupportCountRequest m)
    {
        var h = m.Header;
        if (!TryScores(h, out var held)) return;
        var n = h.Partition.RowCount;
        var counts = new long[m.Shifts.Length];
        for (var b = 0; b < counts.Length; b++) counts[b] = PartitionScoring.SupportCount(held.Scores.AsSpan(b * n, n), m.Shifts[b], m.Totals[b]);
        Sender.Tell(new SupportCountReply(h.RequestId, h.Round, h.Partition.Index, counts));
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

    private sealed record HeldScores(int Step, int Batch, float[] Scores);
}
