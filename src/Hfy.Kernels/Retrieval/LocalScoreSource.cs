using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Retrieval;

/// <summary>θ = β X q for a block of float32 queries (row-major batch × D) into scores (row-major batch × N).</summary>
/// <param name="queries">The states, batch × D.</param>
/// <param name="batch">Number of states.</param>
/// <param name="beta">β.</param>
/// <param name="scores">Receives the scores, batch × N.</param>
public delegate void BatchScoring(ReadOnlySpan<float> queries, int batch, double beta, Span<float> scores);

/// <summary>How the local source scores.</summary>
public enum ScorePrecision
{
    /// <summary>Batched float32 scores (<see cref="Scorer.ScoreBatch"/>), maps and sums in float64.</summary>
    Float32,

    /// <summary>
    /// float64 scores (rows widened exactly), complete candidate lists: the single-query path, whose golden traces
    /// and energy are exact to float64 rounding. Only score and explicit readout rounds happen in this mode.
    /// </summary>
    Float64,
}

/// <summary>Settings of a <see cref="LocalScoreSource"/>.</summary>
public sealed record LocalSourceSettings
{
    /// <summary>Score precision.</summary>
    public ScorePrecision Precision { get; init; } = ScorePrecision.Float32;

    /// <summary>
    /// Candidates per query in float32 mode for threshold maps and sequential k-subsets: the top of the list; when it
    /// is cut, the truncated solve or a threshold search (probe rounds, one pass over the scores each) finishes it.
    /// </summary>
    public int CandidateCap { get; init; } = 1024;

    /// <summary>Per-query summaries, probes and readouts of a batch on every core.</summary>
    public bool Parallel { get; init; } = true;

    /// <summary>The scoring call (default: <see cref="Scorer.ScoreBatch"/> on the bank's rows); the one place a fused or storage-specific kernel plugs in.</summary>
    public BatchScoring? Scoring { get; init; }
}

/// <summary>
/// The bank of this process as one partition (docs/architecture.md): every round answered at once by
/// <see cref="PartitionScoring"/>, the same code the partition actors run. Holds the step's scores between rounds.
/// </summary>
public sealed class LocalScoreSource : IScoreSource
{
    private readonly Bank _bank;
    private readonly RetrievalOptions _options;
    private readonly CandidateRule _rule;
    private readonly IMap _map;
    private readonly LocalSourceSettings _settings;
    private readonly BatchScoring _scoring;
    private float[] _scores = [];
    private double[] _exact = [];
    private int _batch;

    /// <summary>Creates the source.</summary>
    /// <param name="bank">The rows (already normalized for the post-transform).</param>
    /// <param name="options">Retrieval options (β, map, retrieved tolerance).</param>
    /// <param name="rule">The map's candidate rule (<see cref="RetrievalDriver.Rule"/>).</param>
    /// <param name="map">An instance of the map (used as is when queries are worked one at a time).</param>
    /// <param name="settings">Precision, caps, the scoring call.</param>
    public LocalScoreSource(Bank bank, RetrievalOptions options, CandidateRule rule, IMap map, LocalSourceSettings? settings = null)
    {
        _bank = bank ?? throw new ArgumentNullException(nameof(bank));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _rule = rule ?? throw new ArgumentNullException(nameof(rule));
        _map = map ?? throw new ArgumentNullException(nameof(map));
        _settings = settings ?? new LocalSourceSettings();
        if (_settings.CandidateCap < 1) throw new ArgumentException($"candidate cap: must be ≥ 1 (got {_settings.CandidateCap})", nameof(settings));
        _scoring = _settings.Scoring ?? ((q, b, beta, s) => Scorer.ScoreBatch(bank.Data, bank.Dim, q, b, beta, s));
    }

    private int N => _bank.Rows;

    private int Dim => _bank.Dim;

    /// <inheritdoc />
    public ValueTask<ScoreSummary[][]> ScoreAsync(ScoreRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var batch = round.States.Length;
        _batch = batch;
        var summaries = new ScoreSummary[batch];
        if (_settings.Precision == ScorePrecision.Float64)
        {
            if (_exact.LongLength != (long)batch * N) _exact = new double[(long)batch * N];
            ForEachQuery(batch, (b, _) =>
            {
                var theta = _exact.AsSpan(b * N, N);
                Scorer.Score(_bank.Data, Dim, round.States[b], _options.Beta, theta);
                summaries[b] = PartitionScoring.SummarizeExact(_rule, theta, _bank.Data, Dim, round.Final[b], Retrieved(round, b));
            });
            return new([summaries]);
        }

        var packed = new float[batch * Dim];
        for (var b = 0; b < batch; b++)
        {
            for (var k = 0; k < Dim; k++) packed[b * Dim + k] = (float)round.States[b][k];
        }

        if (_scores.LongLength != (long)batch * N) _scores = GC.AllocateUninitializedArray<float>(checked(batch * N));
        _scoring(packed, batch, _options.Beta, _scores);
        // Threshold maps take the top of the list (the truncated solve finishes it); other maps see every row.
        var cap = _rule.Threshold is not null || _rule.IsSequential ? _settings.CandidateCap : int.MaxValue;
        var caps = new CandidateCaps(cap, 0, 0);
        ForEachQuery(batch, (b, _) =>
        {
            var pairCap = round.Final[b] && _rule.IsSoftmax ? int.MaxValue : 0;
            summaries[b] = PartitionScoring.Summarize(_rule, Scores(b), _bank.Data, Dim, 0, caps, pairCap, Retrieved(round, b));
        });
        return new([summaries]);
    }

    /// <inheritdoc />
    public ValueTask<MassSummary[][][]> ProbeAsync(double[][] taus)
    {
        ArgumentNullException.ThrowIfNull(taus);
        RequireFloat32("probe");
        var sums = new MassSummary[taus.Length][];
        ForEachQuery(taus.Length, (b, map) =>
        {
            var tmap = map as IThresholdMap ?? throw new InvalidOperationException("probe: the map is not a threshold map");
            sums[b] = PartitionScoring.Probe(tmap, Scores(b), taus[b]);
        });
        return new([sums]);
    }

    /// <inheritdoc />
    public ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var parts = new ReadoutPart[round.Modes.Length];
        ForEachQuery(parts.Length, (b, map) =>
        {
            var mode = round.Modes[b];
            if (mode is ReadoutMode.Threshold or ReadoutMode.Softmax) RequireFloat32("threshold readout");
            var scores = mode is ReadoutMode.Threshold or ReadoutMode.Softmax ? Scores(b) : default;
            parts[b] = PartitionScoring.Readout(
                mode, map as IThresholdMap, round.Taus[b], round.Ids[b], round.Weights[b], scores, _bank.Data, Dim, 0,
                round.WantPairs[b] ? int.MaxValue : 0);
        });
        return new([parts]);
    }

    /// <inheritdoc />
    public ValueTask<long[][]> CountSupportAsync(double[] shifts, double[] totals)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(totals);
        RequireFloat32("support count");
        var counts = new long[shifts.Length];
        for (var b = 0; b < counts.Length; b++) counts[b] = PartitionScoring.SupportCount(Scores(b), shifts[b], totals[b]);
        return new([counts]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        RequireFloat32("gather");
        var parts = new GatherPart[bounds.Length];
        for (var b = 0; b < parts.Length; b++) parts[b] = PartitionScoring.GatherAbove(Scores(b), 0, bounds[b], int.MaxValue);
        return new(new[] { parts });
    }

    private ReadOnlySpan<float> Scores(int b)
    {
        if ((uint)b >= (uint)_batch) throw new InvalidOperationException($"query {b} was not scored in this step");
        return _scores.AsSpan(b * N, N);
    }

    private long Retrieved(ScoreRound round, int b) =>
        round.Final[b] ? PartitionScoring.FindRetrieved(_bank.Data, Dim, 0, round.States[b], _options.RetrievedTol) : -1;

    private void RequireFloat32(string round)
    {
        // float64 mode keeps complete candidate lists, so the solve never needs the scores again.
        if (_settings.Precision != ScorePrecision.Float32) throw new InvalidOperationException($"{round}: not available on float64 scores");
    }

    private void ForEachQuery(int count, Action<int, IMap> body) =>
        QueryLoop.ForEach(count, _settings.Parallel, _map, _rule.Spec, body);
}
