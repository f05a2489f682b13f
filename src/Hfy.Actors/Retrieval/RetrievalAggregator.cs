using System.Diagnostics;
using Akka.Actor;
using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Actors.Serialization;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;

namespace Hfy.Actors.Retrieval;

/// <summary>
/// One retrieval request over a bank's partitions (docs/architecture.md, "maps are threshold problems"): per step a
/// score round, then the exact solve on candidates when every partition's list is complete (one round), else
/// gather (sequential k-subsets) or probe rounds, then a readout round; post-transform; next step. All queries of
/// the batch share every round. Tell and aggregate only; deadlines and re-sends by timers.
/// </summary>
public sealed partial class RetrievalAggregator : ReceiveActor, IWithTimers
{
    private readonly RetrievalJob _job;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private readonly MapSpec _spec;
    private readonly IMap? _map;
    private readonly int _dim;
    private readonly long[] _bounds;
    private readonly QueryState[] _queries;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _latencies = [];
    private int _step;
    private int _roundTrips;
    private long _bytesSent;
    private long _bytesReceived;
    private int _retries;
    private int _stepRestarts;
    private int _probeRounds;
    private readonly Dictionary<string, int> _roundsByKind = [];
    private int _roundNo;
    private Round? _round;
    private StepQuery[] _active = [];
    private readonly bool _softmax;

    // The energy trace (HfyDynamics' E(q_0 … q_T)) for every post-transform that has one.
    private readonly bool _energy;
    private ProtocolLimits _limits;

    /// <summary>Creates the aggregator; the work starts on <see cref="Go"/>, whose sender gets the answer.</summary>
    public RetrievalAggregator(RetrievalJob job)
    {
        _job = job;
        _spec = job.Options.Map;
        _softmax = PartitionWork.IsSoftmax(_spec);
        _energy = HfyDynamics.HasEnergy(job.Options.Post);
        _map = _softmax || _spec.Kind == MapKind.SeqKSubsets ? null : MapFactory.Create(_spec);
        _dim = job.Bank.Dim;
        _bounds = new long[job.Partitions + 1];
        for (var p = 0; p <= job.Partitions; p++) _bounds[p] = PartitionAddress.FirstRowOf(job.Bank.Rows, p, job.Partitions);
        _queries = new QueryState[job.Batch];
        for (var b = 0; b < job.Batch; b++)
        {
            var q = new double[_dim];
            for (var j = 0; j < _dim; j++) q[j] = job.Queries[b * _dim + j];
            _queries[b] = new QueryState(q);
        }

        Receive<Go>(_ =>
        {
            _replyTo = Sender;
            Timers.StartSingleTimer("deadline", Deadline.Instance, _job.Settings.RequestTimeout);
            try
            {
                StartStep();
            }
            catch (ArgumentException e)
            {
                Fail(e.Message);
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A bug or a kernel error while aggregating fails the request instead of restarting it silently.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _replyTo.Tell(new RetrievalFailed(_job.RequestId, $"aggregator error: {reason.GetType().Name}: {reason.Message}"));
        for (var p = 0; p < _job.Partitions; p++) _job.Region.Tell(new ReleaseScores(Address(p), _job.RequestId));
        Context.Stop(Self);
    }

    /// <summary>Props for one request; send it <see cref="Go"/> (the sender gets <see cref="RetrievalCompleted"/> or <see cref="RetrievalFailed"/>).</summary>
    public static Props Props(RetrievalJob job) => Akka.Actor.Props.Create(() => new RetrievalAggregator(job));

    // ---- steps -------------------------------------------------------------------------------------------

    private void StartStep()
    {
        var active = _queries.Where(q => !q.Done).ToArray();
        if (active.Length == 0)
        {
            Finish();
            return;
        }

        _job.Observer?.Tell(new StepStarted(_job.RequestId, _step));
        _probeRounds = 0;
        _limits = ProtocolLimits.Plan(_job.Settings, active.Length, _dim, PartitionWork.AnchorRank(_spec, _map));
        _active = active.Select(q => new StepQuery(q, q.Steps >= _job.Options.Steps || q.Converged)).ToArray();
        var batch = active.Length;
        var queries = new float[batch * _dim];
        for (var b = 0; b < batch; b++)
        {
            for (var j = 0; j < _dim; j++) queries[b * _dim + j] = (float)active[b].Q[j];
        }

        // The final evaluation (p at q_T, as HfyDynamics reports it) also looks q_T up among the rows, in float64.
        var final = _active.Select(q => q.Final).ToArray();
        var exact = final.Any(f => f) ? new double[batch * _dim] : [];
        if (exact.Length > 0)
        {
            for (var b = 0; b < batch; b++) active[b].Q.CopyTo(exact, b * _dim);
        }

        var pairCaps = _active.Select(q => q.Final && _softmax ? _limits.PairCap : 0).ToArray();
        StartRound(
            "score",
            (p, round) => new ScoreRequest(Address(p), _job.RequestId, _step, round, queries, batch, _job.Options.Beta, _spec,
                _limits.CandidateCap, _limits.RowCap, pairCaps, exact, _job.Options.RetrievedTol, final, _limits.LeadRows),
            OnScores);
        Become(Scoring);
    }

    private void Scoring()
    {
        Common();
        Receive<ScoreReply>(r => Accept(r.RequestId, r.Round, r.Partition, r));
    }

    private void OnScores(object[] replies)
    {
        var parts = replies.Cast<ScoreReply>().ToArray();
        for (var b = 0; b < _active.Length; b++)
        {
            var summaries = parts.Select(r => r.Queries[b]).ToArray();
            var sq = _active[b];
            if (sq.Final)
            {
                var hits = summaries.Select(s => s.Retrieved).Where(id => id >= 0).ToArray();
                sq.Retrieved = hits.Length > 0 ? hits.Min() : null;
            }

            if (_softmax) MergeSoftmax(sq, summaries);
            else MergeCandidates(sq, summaries);
        }

        ContinueStep();
    }

    /// <summary>Runs whichever round some query still needs (gather → probe → readout), else finishes the step.</summary>
    private void ContinueStep()
    {
        foreach (var sq in _active)
        {
            // A finished threshold search (some finish without a probe round) still needs its readout.
            if (sq.Search is { IsDone: true } && !sq.ReadoutDone) sq.Readout = ReadoutMode.Threshold;
        }

        if (_active.Any(q => q.GatherBound is not null)) StartGather();
        else if (_active.Any(q => q.Search is { IsDone: false })) StartProbe();
        else if (_active.Any(q => q.Readout != ReadoutMode.Skip)) StartReadout();
        else if (_active.Any(q => q.CountShift is not null)) StartSupportCount();
        else FinishStep();
    }

    /// <summary>Final queries keep their weights and stop; the others take the update q ← ŷ_Ψ(z).</summary>
    private void FinishStep()
    {
        foreach (var sq in _active)
        {
            var state = sq.State;
            if (_energy)
            {
                var z0 = sq.Z ?? throw new InvalidOperationException("evaluation finished without a readout for the energy");
                var omega = sq.Omega ?? throw new InvalidOperationException("evaluation finished without Ω(p) for the energy");
                state.Energy.Add(HfyDynamics.EnergyFromReadout(_job.Options, omega, state.Q, z0));
            }

            if (sq.Final)
            {
                state.Ids = sq.Ids ?? [];
                state.Weights = sq.Weights ?? [];
                state.SupportSize = sq.SupportSize ?? state.Ids.Length;
                state.Retrieved = sq.Retrieved;
                state.Done = true;
                continue;
            }

            var z = sq.Z ?? throw new InvalidOperationException("step finished without a readout");
            PostTransforms.Apply(_job.Options.Post, z, _job.Options.Beta);
            double d = 0;
            for (var j = 0; j < _dim; j++) d += (z[j] - state.Q[j]) * (z[j] - state.Q[j]);
            state.Converged = _job.Options.Tol > 0 && Math.Sqrt(d) <= _job.Options.Tol;
            state.Q = z;
            state.Steps++;
        }

        _step++;
        StartStep();
    }

    private void Finish()
    {
        var results = _queries.Select(s => new RetrievalResult(s.Q, s.Ids, s.Weights, s.Steps, [.. s.Energy], s.Retrieved) { SupportSize = s.SupportSize }).ToArray();
        Release();
        var cost = new RetrievalCost(
            _queries.Length == 0 ? 0 : _queries.Max(q => q.Steps), _roundTrips, _bytesSent, _bytesReceived, _clock.Elapsed,
            [.. _latencies], _retries, _stepRestarts, RoundsOf("score"), RoundsOf("probe"), RoundsOf("readout"), RoundsOf("gather"));
        _replyTo.Tell(new RetrievalCompleted(_job.RequestId, results, cost));
        Context.Stop(Self);
    }

    private void Fail(string reason)
    {
        Release();
        _replyTo.Tell(new RetrievalFailed(_job.RequestId, reason));
        Context.Stop(Self);
    }

    private void Release()
    {
        Timers.CancelAll();
        for (var p = 0; p < _job.Partitions; p++) _job.Region.Tell(new ReleaseScores(Address(p), _job.RequestId));
    }

    // ---- rounds ------------------------------------------------------------------------------------------

    private void StartRound(string kind, Func<int, int, IPartitionMessage> build, Action<object[]> onComplete)
    {
        var round = new Round(++_roundNo, kind, build, onComplete, _job.Partitions);
        for (var p = 0; p < _job.Partitions; p++) round.Pending.Add(p);
        _round = round;
        _roundTrips++;
        _roundsByKind[kind] = RoundsOf(kind) + 1;
        foreach (var p in round.Pending) Send(round, p);
        Timers.StartSingleTimer("round", new RoundTimeout(round.Number, 0), _job.Settings.RoundTimeout);
    }

    private void Send(Round round, int p)
    {
        var msg = round.Build(p, round.Number);
        _bytesSent += HfySerializer.SizeOf(msg);
        round.SentAt[p] = _clock.Elapsed.TotalMilliseconds;
        _job.Region.Tell(msg, Self);
    }

    /// <summary>A partition's reply to the current round; <paramref name="bytes"/>: its serialized size when already known (chunked replies).</summary>
    private void Accept(string requestId, int roundNo, int partition, object reply, long? bytes = null)
    {
        var round = _round;
        if (requestId != _job.RequestId || round is null || roundNo != round.Number || !round.Pending.Remove(partition)) return;
        _bytesReceived += bytes ?? HfySerializer.SizeOf(reply);
        _latencies.Add(_clock.Elapsed.TotalMilliseconds - round.SentAt[partition]);
        round.Replies[partition] = reply;
        if (round.Pending.Count > 0) return;
        Timers.Cancel("round");
        _round = null;
        round.OnComplete(round.Replies.Where(r => r is not null).ToArray()!);
    }

    private void Common()
    {
        Receive<ScoresMissing>(m =>
        {
            if (m.RequestId != _job.RequestId || _round is null || m.Round != _round.Number) return;
            // The partition was rebuilt elsewhere and has no scores for this step: score the step again.
            if (++_stepRestarts > _job.Settings.MaxStepRestarts)
            {
                Fail($"partition {m.Partition} lost its scores {_stepRestarts} times; giving up");
                return;
            }

            Timers.Cancel("round");
            _round = null;
            StartStep();
        });
        Receive<RoundTimeout>(t =>
        {
            var round = _round;
            if (round is null || t.Round != round.Number) return;
            if (t.Attempt + 1 > _job.Settings.MaxRetries)
            {
                Fail($"{round.Kind} round: partitions [{string.Join(",", round.Pending)}] did not answer after {_job.Settings.MaxRetries} retries");
                return;
            }

            foreach (var p in round.Pending.ToArray())
            {
                _retries++;
                Send(round, p);
            }

            Timers.StartSingleTimer("round", new RoundTimeout(round.Number, t.Attempt + 1), _job.Settings.RoundTimeout);
        });
        Receive<PartitionFailed>(m =>
        {
            if (m.RequestId == _job.RequestId) Fail(m.Reason);
        });
        Receive<Deadline>(_ => Fail($"request timed out after {_job.Settings.RequestTimeout}"));
    }

    private int RoundsOf(string kind) => _roundsByKind.GetValueOrDefault(kind);

    private PartitionAddress Address(int p) => new(_job.Bank, p, _job.Partitions);

    private int PartitionOf(long id)
    {
        var i = Array.BinarySearch(_bounds, id);
        if (i < 0) i = ~i - 1;
        while (i + 1 < _bounds.Length && _bounds[i + 1] <= id) i++;
        return i;
    }

    private sealed class Round(int number, string kind, Func<int, int, IPartitionMessage> build, Action<object[]> onComplete, int partitions)
    {
        public int Number { get; } = number;

        public string Kind { get; } = kind;

        public Func<int, int, IPartitionMessage> Build { get; } = build;

        public Action<object[]> OnComplete { get; } = onComplete;

        public HashSet<int> Pending { get; } = [];

        public object?[] Replies { get; } = new object?[partitions];

        public double[] SentAt { get; } = new double[partitions];
    }

    /// <summary>Starts the request; the sender receives the answer.</summary>
    public sealed class Go : INoSerializationVerificationNeeded
    {
        /// <summary>The one instance.</summary>
        public static readonly Go Instance = new();
    }

    private sealed record RoundTimeout(int Round, int Attempt) : INoSerializationVerificationNeeded;

    private sealed class Deadline : INoSerializationVerificationNeeded
    {
        public static readonly Deadline Instance = new();
    }
}
