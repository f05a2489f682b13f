using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Maps;
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

    private readonly Dictionary<MapSpec, IMap> _maps = [];
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
        Receive<ScoreRequest>(m => Guard(m.RequestId, m.Round, m.Partition, () => OnScore(m)));
        Receive<GatherRequest>(m => Guard(m.RequestId, m.Round, m.Partition, () => OnGather(m)));
        Receive<ProbeRequest>(m => Guard(m.RequestId, m.Round, m.Partition, () => OnProbe(m)));
        Receive<ReadoutRequest>(m => Guard(m.RequestId, m.Round, m.Partition, () => OnReadout(m)));
        Receive<SupportCountRequest>(m => Guard(m.RequestId, m.Round, m.Partition, () => OnSupportCount(m)));
        Receive<ReleaseScores>(m => Forget(m.RequestId));
    }

    /// <summary>Props on the numeric dispatcher.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new PartitionActor()).WithDispatcher(Cluster.HfyConfig.NumericDispatcher);

    /// <summary>A failure answers the request (it fails fast) instead of restarting the partition silently.</summary>
    private void Guard(string requestId, int round, PartitionAddress p, Action work)
    {
        try
        {
            work();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException or InvalidDataException)
        {
            Sender.Tell(new PartitionFailed(requestId, round, p.Index, $"partition {p.EntityId}: {e.Message}"));
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
        Load(m.Partition);
        var dim = m.Partition.Spec.Dim;
        var n = m.Partition.RowCount;
        // The step's scores replace the previous step's of the same request: reuse that block (no zeroing, no LOH churn).
        var length = (long)m.Batch * n;
        var scores = _held.TryGetValue(m.RequestId, out var previous) && previous.Scores.LongLength == length
            ? previous.Scores
            : GC.AllocateUninitializedArray<float>(checked((int)length));
        if (n > 0) Scorer.ScoreBatch(_rows, dim, m.Queries, m.Batch, m.Beta, scores);
        var map = MapOf(m.Map);
        var summaries = new ScoreSummary[m.Batch];
        for (var b = 0; b < m.Batch; b++)
        {
            var retrieved = m.Final[b] && m.Exact.Length > 0
                ? PartitionWork.FindRetrieved(_rows, dim, m.Partition.FirstRow, m.Exact.AsSpan(b * dim, dim), m.RetrievedTol)
                : -1;
            summaries[b] = PartitionWork.Summarize(
                m.Map, map, scores.AsSpan(b * n, n), _rows, dim, m.Partition.FirstRow, m.CandidateCap, m.RowCap, m.PairCaps[b], retrieved, m.LeadRows);
        }

        Hold(m.RequestId, new HeldScores(m.Step, m.Batch, scores));
        Sender.Tell(new ScoreReply(m.RequestId, m.Round, m.Partition.Index, summaries));
    }

    private void OnGather(GatherRequest m)
    {
        Load(m.Partition);
        if (!TryScores(m.RequestId, m.Step, out var held)) { Missing(m.RequestId, m.Round, m.Partition); return; }
        var n = m.Partition.RowCount;
        var parts = new GatherPart[m.Bounds.Length];
        for (var b = 0; b < parts.Length; b++)
        {
            parts[b] = PartitionWork.GatherAbove(held.Scores.AsSpan(b * n, n), m.Partition.FirstRow, m.Bounds[b], m.Cap);
        }

        // Dense regimes gather every row for every query: pushed in chunks below the message budget, no further requests.
        var sender = Sender;
        foreach (var chunk in GatherChunks.Split(m.RequestId, m.Round, m.Partition.Index, parts, m.MaxReplyBytes)) sender.Tell(chunk);
    }

    private void OnProbe(ProbeRequest m)
    {
        Load(m.Partition);
        if (!TryScores(m.RequestId, m.Step, out var held)) { Missing(m.RequestId, m.Round, m.Partition); return; }
        var map = (IThresholdMap)MapOf(m.Map)!;
        var n = m.Partition.RowCount;
        var sums = new MassSummary[m.Taus.Length][];
        for (var b = 0; b < sums.Length; b++) sums[b] = PartitionWork.Probe(map, held.Scores.AsSpan(b * n, n), m.Taus[b]);
        Sender.Tell(new ProbeReply(m.RequestId, m.Round, m.Partition.Index, sums));
    }

    private void OnReadout(ReadoutRequest m)
    {
        Load(m.Partition);
        if (!TryScores(m.RequestId, m.Step, out var held)) { Missing(m.RequestId, m.Round, m.Partition); return; }
        var map = MapOf(m.Map) as IThresholdMap;
        var n = m.Partition.RowCount;
        var parts = new ReadoutPart[m.Modes.Length];
        for (var b = 0; b < parts.Length; b++)
        {
            parts[b] = PartitionWork.Readout(
                (ReadoutMode)m.Modes[b], map, m.Taus[b], m.Ids[b], m.Weights[b], held.Scores.AsSpan(b * n, n),
                _rows, m.Partition.Spec.Dim, m.Partition.FirstRow, m.PairCaps[b]);
        }

        Sender.Tell(new ReadoutReply(m.RequestId, m.Round, m.Partition.Index, parts));
    }

    private void OnSupportCount(SupportCountRequest m)
    {
        Load(m.Partition);
        if (!TryScores(m.RequestId, m.Step, out var held)) { Missing(m.RequestId, m.Round, m.Partition); return; }
        var n = m.Partition.RowCount;
        var counts = new long[m.Shifts.Length];
        for (var b = 0; b < counts.Length; b++) counts[b] = SoftmaxSupport.Count(held.Scores.AsSpan(b * n, n), m.Shifts[b], m.Totals[b]);
        Sender.Tell(new SupportCountReply(m.RequestId, m.Round, m.Partition.Index, counts));
    }

    private IMap? MapOf(MapSpec spec)
    {
        if (PartitionWork.IsSoftmax(spec) || spec.Kind == MapKind.SeqKSubsets) return null;
        if (!_maps.TryGetValue(spec, out var map))
        {
            map = MapFactory.Create(spec);
            _maps[spec] = map;
        }

        return map;
    }

    private void Missing(string requestId, int round, PartitionAddress p) => Sender.Tell(new ScoresMissing(requestId, round, p.Index));

    private bool TryScores(string requestId, int step, out HeldScores held)
    {
        if (_held.TryGetValue(requestId, out held!) && held.Step == step) return true;
        held = null!;
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
