using System.Diagnostics;
using Akka.Actor;
using Akka.Dispatch;
using Hfy.Actors.Cluster;
using Hfy.Actors.Protocol;
using Hfy.Actors.Serialization;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;

namespace Hfy.Actors.Retrieval;

/// <summary>
/// One retrieval request over a bank's partitions: the <see cref="RetrievalDriver"/> runs the steps on the numeric
/// dispatcher over a <see cref="PartitionScoreSource"/>, and this actor moves its rounds' messages: scatter to every
/// partition, collect the replies (gather answers in chunks), re-send after a round timeout, restart the step when a
/// moved partition lost its scores, fail at the deadline, count round trips and bytes. No numeric work runs in
/// its handlers. Tell and aggregate only; deadlines and re-sends by timers.
/// </summary>
public sealed class RetrievalAggregator : ReceiveActor, IWithTimers
{
    private readonly RetrievalJob _job;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _latencies = [];
    private readonly int[] _roundsByKind = new int[Enum.GetValues<RoundKind>().Length];
    private readonly CancellationTokenSource _abandon = new();
    private readonly MessageDispatcher _numeric;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private int _roundTrips;
    private long _bytesSent;
    private long _bytesReceived;
    private int _retries;
    private int _stepRestarts;
    private int _roundNo;
    private Round? _round;
    private bool _over;

    /// <summary>Creates the aggregator; the work starts on <see cref="Go"/>, whose sender gets the answer.</summary>
    public RetrievalAggregator(RetrievalJob job)
    {
        _job = job;
        var dispatchers = Context.System.Dispatchers;
        _numeric = dispatchers.HasDispatcher(HfyConfig.NumericDispatcher) ? dispatchers.Lookup(HfyConfig.NumericDispatcher) : Context.Dispatcher;
        Receive<Go>(_ =>
        {
            _replyTo = Sender;
            Timers.StartSingleTimer("deadline", Deadline.Instance, _job.Settings.RequestTimeout);
            StartDriver();
            Become(Running);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for one request; send it <see cref="Go"/> (the sender gets <see cref="RetrievalCompleted"/> or <see cref="RetrievalFailed"/>).</summary>
    public static Props Props(RetrievalJob job) => Akka.Actor.Props.Create(() => new RetrievalAggregator(job));

    /// <summary>A bug while moving messages fails the request instead of restarting it silently.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        Fail($"aggregator error: {reason.GetType().Name}: {reason.Message}");
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // A driver still waiting on a round unwinds instead of waiting forever.
        _abandon.Cancel();
        _abandon.Dispose();
    }

    private void StartDriver()
    {
        var job = _job;
        var source = new PartitionScoreSource(job, Self, _abandon.Token);
        var settings = new DriverSettings { MaxSupportPairs = job.Settings.MaxSupportPairs, MaxProbeRounds = job.Settings.MaxProbeRounds };
        var dim = job.Bank.Dim;
        var states = new double[job.Batch][];
        for (var b = 0; b < states.Length; b++) states[b] = job.Queries.AsSpan(b * dim, dim).ToArray();
        var self = Self;

        // The driver's merges and solves (SparseMAP on every gathered row in the dense regime) run on the numeric
        // dispatcher, which leaves cores for heartbeats; its result comes back to this actor as a message.
        _numeric.Schedule(() =>
        {
            Task<RetrievalResult[]> run;
            try
            {
                var driver = new RetrievalDriver(job.Options, MapFactory.Create(job.Options.Map), job.Bank.Rows, dim, settings);
                run = driver.RunAsync(source, states).AsTask();
            }
            catch (Exception e) when (e is ArgumentException or RetrievalFailedException or InvalidOperationException)
            {
                run = Task.FromException<RetrievalResult[]>(e);
            }

            run.PipeTo(self, success: r => new DriverDone(r), failure: e => new DriverFailed(e));
        });
    }

    private void Running()
    {
        Receive<PartitionRound>(StartRound);
        Receive<ScoreReply>(r => Accept(r, RoundKind.Score, HfySerializer.WireBytesOf(r)));
        Receive<ProbeReply>(r => Accept(r, RoundKind.Probe, HfySerializer.WireBytesOf(r)));
        Receive<ReadoutReply>(r => Accept(r, RoundKind.Readout, HfySerializer.WireBytesOf(r)));
        Receive<SupportCountReply>(r => Accept(r, RoundKind.SupportCount, HfySerializer.WireBytesOf(r)));
        Receive<GatherReply>(OnGatherChunk);
        Receive<ScoresMissing>(OnScoresMissing);
        Receive<PartitionFailed>(m =>
        {
            if (m.RequestId == _job.RequestId) Fail(m.Reason);
        });
        Receive<RoundTimeout>(OnRoundTimeout);
        Receive<Deadline>(_ => Fail($"request timed out after {_job.Settings.RequestTimeout}"));
        Receive<DriverDone>(d => Finish(d.Results));
        Receive<DriverFailed>(d => Fail(ReasonOf(d.Error)));
    }

    // ---- rounds ------------------------------------------------------------------------------------------

    private void StartRound(PartitionRound r)
    {
        if (_over)
        {
            r.Completion.TrySetCanceled();
            return;
        }

        if (r.Kind == RoundKind.Score) _job.Observer?.Tell(new StepStarted(_job.RequestId, r.Step));
        var round = new Round(++_roundNo, r, _job.Partitions);
        for (var p = 0; p < _job.Partitions; p++) round.Pending.Add(p);
        _round = round;
        _roundTrips++;
        _roundsByKind[(int)r.Kind]++;
        foreach (var p in round.Pending) Send(round, p);
        Timers.StartSingleTimer("round", new RoundTimeout(round.Number, 0), _job.Settings.RoundTimeout);
    }

    private void Send(Round round, int p)
    {
        var msg = round.Request.Build(p, round.Number);
        round.Sent.Add(msg);
        round.SentAt[p] = _clock.Elapsed.TotalMilliseconds;
        _job.Region.Tell(msg, Self);
    }

    /// <summary>A partition's reply to the current round, with the bytes it arrived in.</summary>
    private void Accept(IRoundReply reply, RoundKind kind, long bytes) => Accept(reply.RequestId, reply.Round, reply.Partition, kind, reply, bytes);

    private void Accept(string requestId, int roundNo, int partition, RoundKind kind, object reply, long bytes)
    {
        var round = _round;
        if (requestId != _job.RequestId || round is null || roundNo != round.Number || round.Request.Kind != kind || !round.Pending.Remove(partition)) return;
        _bytesReceived += bytes;
        _latencies.Add(_clock.Elapsed.TotalMilliseconds - round.SentAt[partition]);
        round.Replies[partition] = reply;
        if (round.Pending.Count > 0) return;
        EndRound(round);
        var replies = round.Replies.Select(x => x!).ToArray();
        // The driver continues on the numeric dispatcher, not in this handler.
        _numeric.Schedule(() => round.Request.Completion.TrySetResult(replies));
    }

    /// <summary>The round is over (answered, restarted or failed): its requests' wire bytes are known by now.</summary>
    private void EndRound(Round round)
    {
        Timers.Cancel("round");
        if (ReferenceEquals(_round, round)) _round = null;
        foreach (var m in round.Sent) _bytesSent += HfySerializer.WireBytesOf(m);
        round.Sent.Clear();
    }

    /// <summary>
    /// One chunk of a partition's gather answer (partitions push all their chunks for one request: still one round
    /// trip). The partition's reply counts as received once every chunk is in; a duplicate chunk (after a re-send)
    /// is dropped. Every arriving chunk restarts the round's re-send timer: a long stream is progress, not silence.
    /// </summary>
    private void OnGatherChunk(GatherReply r)
    {
        var round = _round;
        if (r.RequestId != _job.RequestId || round is null || round.Request.Kind != RoundKind.Gather || r.Round != round.Number || !round.Pending.Contains(r.Partition)) return;
        if (r.Chunks < 1 || r.Chunk < 0 || r.Chunk >= r.Chunks)
        {
            Fail($"gather: partition {r.Partition} sent chunk {r.Chunk} of {r.Chunks}");
            return;
        }

        var g = round.Gather;
        var chunks = g.Chunks[r.Partition];
        if (chunks is null || chunks.Length != r.Chunks)
        {
            g.Pairs += r.Pairs - g.Reported[r.Partition];
            g.Reported[r.Partition] = r.Pairs;
            g.Received[r.Partition] = 0;
            g.Bytes[r.Partition] = 0;
            chunks = g.Chunks[r.Partition] = new GatherReply?[r.Chunks];
            if (g.Pairs > _job.Settings.MaxGatherPairs)
            {
                var reported = g.Chunks.Count(c => c is not null);
                Fail(FormattableString.Invariant(
                    $"sequential k-subsets: the gather round needs at least {g.Pairs:N0} (row id, score) pairs for {round.Request.Queries} queries ({reported} of {_job.Partitions} partitions reported; up to {_job.Bank.Rows * round.Request.Queries:N0} when every row is a candidate), beyond MaxGatherPairs = {_job.Settings.MaxGatherPairs:N0} held on the coordinator; use smaller batches, a larger β, or raise MaxGatherPairs"));
                return;
            }
        }

        if (chunks[r.Chunk] is not null) return;
        chunks[r.Chunk] = r;
        g.Bytes[r.Partition] += HfySerializer.WireBytesOf(r);
        Timers.StartSingleTimer("round", new RoundTimeout(round.Number, 0), _job.Settings.RoundTimeout);
        if (++g.Received[r.Partition] < r.Chunks) return;
        Accept(r.RequestId, r.Round, r.Partition, RoundKind.Gather, Array.ConvertAll(chunks, c => c!), g.Bytes[r.Partition]);
    }

    private void OnScoresMissing(ScoresMissing m)
    {
        var round = _round;
        if (m.RequestId != _job.RequestId || round is null || m.Round != round.Number) return;
        // The partition was rebuilt elsewhere and has no scores for this step: the driver scores the step again.
        if (++_stepRestarts > _job.Settings.MaxStepRestarts)
        {
            Fail($"partition {m.Partition} lost its scores {_stepRestarts} times; giving up");
            return;
        }

        EndRound(round);
        _numeric.Schedule(() => round.Request.Completion.TrySetException(new ScoresLostException($"partition {m.Partition} lost its scores")));
    }

    private void OnRoundTimeout(RoundTimeout t)
    {
        var round = _round;
        if (round is null || t.Round != round.Number) return;
        if (t.Attempt + 1 > _job.Settings.MaxRetries)
        {
            Fail($"{round.Request.Kind.Label()} round: partitions [{string.Join(",", round.Pending)}] did not answer after {_job.Settings.MaxRetries} retries");
            return;
        }

        foreach (var p in round.Pending.ToArray())
        {
            _retries++;
            Send(round, p);
        }

        Timers.StartSingleTimer("round", new RoundTimeout(round.Number, t.Attempt + 1), _job.Settings.RoundTimeout);
    }

    // ---- the end -----------------------------------------------------------------------------------------

    private void Finish(RetrievalResult[] results)
    {
        if (_over) return;
        _over = true;
        Release();
        var cost = new RetrievalCost(
            results.Length == 0 ? 0 : results.Max(q => q.Steps), _roundTrips, _bytesSent, _bytesReceived, _clock.Elapsed,
            [.. _latencies], _retries, _stepRestarts, RoundsOf(RoundKind.Score), RoundsOf(RoundKind.Probe), RoundsOf(RoundKind.Readout), RoundsOf(RoundKind.Gather));
        _replyTo.Tell(new RetrievalCompleted(_job.RequestId, results, cost));
        Context.Stop(Self);
    }

    private void Fail(string reason)
    {
        if (_over) return;
        _over = true;
        var round = _round;
        if (round is not null)
        {
            EndRound(round);
            _numeric.Schedule(() => round.Request.Completion.TrySetException(new RetrievalFailedException(reason)));
        }

        Release();
        _replyTo.Tell(new RetrievalFailed(_job.RequestId, reason));
        Context.Stop(Self);
    }

    private void Release()
    {
        Timers.CancelAll();
        for (var p = 0; p < _job.Partitions; p++) _job.Region.Tell(new ReleaseScores(new PartitionAddress(_job.Bank, p, _job.Partitions), _job.RequestId));
    }

    /// <summary>A failed driver's one-line reason: limits and bad input by their message, anything else named as an error.</summary>
    private static string ReasonOf(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        return e is RetrievalFailedException or ArgumentException ? e.Message : $"aggregator error: {e.GetType().Name}: {e.Message}";
    }

    private int RoundsOf(RoundKind kind) => _roundsByKind[(int)kind];

    private sealed class Round(int number, PartitionRound request, int partitions)
    {
        public int Number { get; } = number;

        public PartitionRound Request { get; } = request;

        public HashSet<int> Pending { get; } = [];

        public object?[] Replies { get; } = new object?[partitions];

        public double[] SentAt { get; } = new double[partitions];

        /// <summary>Every message sent in this round, re-sends included (their wire bytes are read at the end).</summary>
        public List<object> Sent { get; } = [];

        public GatherState Gather { get; } = new(partitions);
    }

    /// <summary>Chunks of a gather round in flight, per partition.</summary>
    private sealed class GatherState(int partitions)
    {
        public GatherReply?[]?[] Chunks { get; } = new GatherReply?[]?[partitions];

        public int[] Received { get; } = new int[partitions];

        public long[] Reported { get; } = new long[partitions];

        public long[] Bytes { get; } = new long[partitions];

        /// <summary>Pairs announced by the partitions heard from so far.</summary>
        public long Pairs { get; set; }
    }

    /// <summary>Starts the request; the sender receives the answer.</summary>
    public sealed class Go : INoSerializationVerificationNeeded
    {
        /// <summary>The one instance.</summary>
        public static readonly Go Instance = new();
    }

    private sealed record RoundTimeout(int Round, int Attempt) : INoSerializationVerificationNeeded;

    private sealed record DriverDone(RetrievalResult[] Results) : INoSerializationVerificationNeeded;

    private sealed record DriverFailed(Exception Error) : INoSerializationVerificationNeeded;

    private sealed class Deadline : INoSerializationVerificationNeeded
    {
        public static readonly Deadline Instance = new();
    }
}
