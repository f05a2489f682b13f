using Akka.Actor;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;

namespace Hfy.Actors.Retrieval;

/// <summary>The rounds of the protocol (docs/architecture.md), as counted in <see cref="RetrievalCost"/>.</summary>
public enum RoundKind
{
    /// <summary>Score round: one per map evaluation.</summary>
    Score,
    /// <summary>Probe round of a threshold search.</summary>
    Probe,
    /// <summary>Readout round.</summary>
    Readout,
    /// <summary>Gather round (sequential k-subsets).</summary>
    Gather,
    /// <summary>Support-count round (softmax final evaluation).</summary>
    SupportCount,
}

/// <summary>Names of the rounds in messages.</summary>
public static class RoundKinds
{
    /// <summary>The round's name as the protocol text uses it.</summary>
    public static string Label(this RoundKind kind) => kind switch
    {
        RoundKind.Score => "score",
        RoundKind.Probe => "probe",
        RoundKind.Readout => "readout",
        RoundKind.Gather => "gather",
        RoundKind.SupportCount => "support count",
        _ => kind.ToString(),
    };
}

/// <summary>
/// The driver asks its aggregator to run one round: build partition p's request for round number r, scatter,
/// collect; <paramref name="Completion"/> gets the replies in partition order (a gather reply is that partition's chunks).
/// </summary>
/// <param name="Kind">The round.</param>
/// <param name="Step">Dynamics step.</param>
/// <param name="Queries">Queries in the round (for messages).</param>
/// <param name="Build">Partition index and round number → the request.</param>
/// <param name="Completion">Completed by the aggregator (on the numeric dispatcher).</param>
public sealed record PartitionRound(
    RoundKind Kind, int Step, int Queries, Func<int, int, IPartitionMessage> Build, TaskCompletionSource<object[]> Completion) : INoSerializationVerificationNeeded;

/// <summary>
/// The partitions of a bank as an <see cref="IScoreSource"/>: each round becomes one request per partition, sent and
/// collected by the request's <see cref="RetrievalAggregator"/>; the replies come back in partition order for the
/// driver's merges. Plans the per-step message caps (<see cref="ProtocolLimits"/>) and routes explicit weights to
/// the partitions that hold their rows.
/// </summary>
internal sealed class PartitionScoreSource : IScoreSource
{
    private readonly RetrievalJob _job;
    private readonly IActorRef _aggregator;
    private readonly CancellationToken _abandoned;
    private readonly long[] _bounds;
    private readonly int _anchorRank;
    private readonly bool _softmax;
    private ProtocolLimits _limits;
    private int _step;

    public PartitionScoreSource(RetrievalJob job, IActorRef aggregator, CancellationToken abandoned)
    {
        _job = job;
        _aggregator = aggregator;
        _abandoned = abandoned;
        _bounds = new long[job.Partitions + 1];
        for (var p = 0; p <= job.Partitions; p++) _bounds[p] = PartitionAddress.FirstRowOf(job.Bank.Rows, p, job.Partitions);
        var rule = new CandidateRule(job.Options.Map, MapFactory.Create(job.Options.Map));
        _anchorRank = rule.AnchorRank;
        _softmax = rule.IsSoftmax;
    }

    private int Dim => _job.Bank.Dim;

    public async ValueTask<ScoreSummary[][]> ScoreAsync(ScoreRound round)
    {
        var batch = round.States.Length;
        _step = round.Step;
        _limits = ProtocolLimits.Plan(_job.Settings, batch, Dim, _anchorRank);
        var queries = new float[batch * Dim];
        for (var b = 0; b < batch; b++)
        {
            for (var j = 0; j < Dim; j++) queries[b * Dim + j] = (float)round.States[b][j];
        }

        // The final evaluation (p at q_T) also looks q_T up among the rows, in float64.
        var exact = round.Final.Any(f => f) ? new double[batch * Dim] : [];
        if (exact.Length > 0)
        {
            for (var b = 0; b < batch; b++) round.States[b].CopyTo(exact, b * Dim);
        }

        var pairCaps = round.Final.Select(f => f && _softmax ? _limits.PairCap : 0).ToArray();
        var map = new ScoreMapPart
        {
            Beta = _job.Options.Beta,
            Map = _job.Options.Map,
            CandidateCap = _limits.CandidateCap,
            RowCap = _limits.RowCap,
            LeadRows = _limits.LeadRows,
            SoftmaxTolerance = Math.Max(_job.Settings.SoftmaxTolerance, _job.Options.SoftmaxTolerance),
        };
        var block = new QueryBlock(queries, batch, round.Final, pairCaps, exact, _job.Options.RetrievedTol);
        var replies = await RunAsync(RoundKind.Score, batch, (p, no) => new ScoreRequest(Header(p, no), map, block)).ConfigureAwait(false);
        return Array.ConvertAll(replies, r => ((ScoreReply)r).Queries);
    }

    public async ValueTask<MassSummary[][][]> ProbeAsync(double[][] taus)
    {
        var replies = await RunAsync(RoundKind.Probe, taus.Length, (p, no) => new ProbeRequest(Header(p, no), _job.Options.Map, taus)).ConfigureAwait(false);
        return Array.ConvertAll(replies, r => ((ProbeReply)r).Sums);
    }

    public async ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round)
    {
        var batch = round.Modes.Length;
        // Explicit weights go only to the partition that holds the row.
        var ids = new long[_job.Partitions][][];
        var weights = new double[_job.Partitions][][];
        for (var p = 0; p < _job.Partitions; p++)
        {
            ids[p] = new long[batch][];
            weights[p] = new double[batch][];
        }

        for (var b = 0; b < batch; b++)
        {
            var byPart = new List<(long Id, double W)>[_job.Partitions];
            if (round.Modes[b] == ReadoutMode.Explicit)
            {
                for (var t = 0; t < round.Ids[b].Length; t++)
                {
                    var p = PartitionOf(round.Ids[b][t]);
                    (byPart[p] ??= []).Add((round.Ids[b][t], round.Weights[b][t]));
                }
            }

            for (var p = 0; p < _job.Partitions; p++)
            {
                ids[p][b] = byPart[p]?.Select(x => x.Id).ToArray() ?? [];
                weights[p][b] = byPart[p]?.Select(x => x.W).ToArray() ?? [];
            }
        }

        var pairCaps = round.WantPairs.Select(w => w ? _limits.PairCap : 0).ToArray();
        var replies = await RunAsync(
            RoundKind.Readout, batch,
            (p, no) => new ReadoutRequest(Header(p, no), _job.Options.Map, round.Modes, round.Taus, ids[p], weights[p], pairCaps)).ConfigureAwait(false);
        return Array.ConvertAll(replies, r => ((ReadoutReply)r).Queries);
    }

    public async ValueTask<long[][]> CountSupportAsync(double[] shifts, double[] totals)
    {
        var replies = await RunAsync(RoundKind.SupportCount, shifts.Length, (p, no) => new SupportCountRequest(Header(p, no), shifts, totals)).ConfigureAwait(false);
        return Array.ConvertAll(replies, r => ((SupportCountReply)r).Counts);
    }

    public async ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds)
    {
        var replies = await RunAsync(
            RoundKind.Gather, bounds.Length,
            (p, no) => new GatherRequest(Header(p, no), bounds, _limits.GatherCap, _job.Settings.MaxMessageBytes)).ConfigureAwait(false);
        var chunks = replies.SelectMany(r => ((GatherReply[])r).Select(c => c.Queries)).ToList();
        for (var b = 0; b < bounds.Length; b++)
        {
            if (!double.IsPositiveInfinity(bounds[b]) && chunks.Any(c => !c[b].Complete))
                throw new RetrievalFailedException($"sequential k-subsets: more than {_limits.GatherCap} candidates per partition above θ_(k) − margin; raise GatherCap or β");
        }

        return chunks;
    }

    /// <summary>Asks the aggregator to run one round and waits for its replies (partition order).</summary>
    private async Task<object[]> RunAsync(RoundKind kind, int queries, Func<int, int, IPartitionMessage> build)
    {
        _abandoned.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<object[]>();
        using var registration = _abandoned.Register(() => done.TrySetCanceled());
        _aggregator.Tell(new PartitionRound(kind, _step, queries, build, done));
        return await done.Task.ConfigureAwait(false);
    }

    private RoundHeader Header(int p, int round) => new(new PartitionAddress(_job.Bank, p, _job.Partitions), _job.RequestId, _step, round);

    private int PartitionOf(long id)
    {
        var i = Array.BinarySearch(_bounds, id);
        if (i < 0) i = ~i - 1;
        while (i + 1 < _bounds.Length && _bounds[i + 1] <= id) i++;
        return i;
    }
}
