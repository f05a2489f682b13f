using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Retrieval;

/// <summary>Settings of a <see cref="StoreScoreSource"/>.</summary>
public sealed record StoreSourceSettings
{
    /// <summary>
    /// Candidates kept per query by the fused score pass (threshold maps, sequential k-subsets): when more rows lie
    /// above the support bound the list is cut to the largest ones and the driver finishes the step exactly (truncated
    /// solve, or threshold-search probes: one more pass each).
    /// </summary>
    public int CandidateCap { get; init; } = 4096;

    /// <summary>(row id, weight) pairs listed per query at the final evaluation (the largest; the support size is counted exactly).</summary>
    public int PairCap { get; init; } = 4096;

    /// <summary>Gathered (id, θ) pairs per query (sequential k-subsets with a cut candidate list).</summary>
    public int GatherCap { get; init; } = 1 << 22;

    /// <summary>Global id of the store's row 0 (a partition's first row).</summary>
    public long FirstRow { get; init; }

    /// <summary>
    /// Softmax sums: 0 (default) adds every row (exact to float64 rounding); ε &gt; 0 skips rows whose e^{θ−m} &lt; ε/N, so
    /// Z and Xᵀp change by less than ε relative (<see cref="FusedScoreRequest.SoftmaxTolerance"/>): at large β on 10⁹
    /// rows this skips the exponential of almost every row.
    /// </summary>
    public double SoftmaxTolerance { get; init; }
}

/// <summary>
/// A pattern store of any kind (<see cref="IPatternStore"/>: resident, float16, bit-packed, memory-mapped, procedural)
/// as one partition of the step driver, without ever holding the B × N scores: the score round is one fused pass
/// (<see cref="FusedScorer.Run"/>: max, top-k, candidates above the support bound, the online-softmax triple), an
/// explicit readout reads only the support rows, and the rounds that need the scores again (probes, threshold
/// readouts, support counts, gathers, the retrieved-row lookup when the candidates cannot decide it) are further
/// passes that score the store tile by tile (<see cref="FusedScorer.ScanTiles{TState}"/>). <see cref="Passes"/>
/// counts them. Memory: O(batch × (D + caps)), whatever N.
/// </summary>
/// <remarks>
/// Answers agree with <see cref="LocalScoreSource"/> on the same rows: the scores are the same float32 bits, every
/// sum runs in float64 (in a different order: agreement to rounding, not bitwise), and the candidate lists are
/// complete above the support bound unless the cap cut them, in which case the summary says so exactly as a
/// partition's does (docs/architecture.md, "maps are threshold problems").
/// </remarks>
public sealed class StoreScoreSource : IScoreSource
{
    /// <summary>Softmax pairs: rows with θ ≤ max − 746 have weight e^{θ−max}/Z = 0 in float64.</summary>
    private const double SoftmaxPairMargin = 746;

    private readonly IPatternStore _store;
    private readonly RetrievalOptions _options;
    private readonly CandidateRule _rule;
    private readonly StoreSourceSettings _settings;
    private readonly int _dim;
    private float[] _queries = [];
    private int _batch;

    /// <summary>Creates the source.</summary>
    /// <param name="store">The rows (already normalized for the post-transform).</param>
    /// <param name="options">Retrieval options (β, map, retrieved tolerance).</param>
    /// <param name="rule">The map's candidate rule (<see cref="RetrievalDriver.Rule"/>).</param>
    /// <param name="settings">Caps and the global id of row 0.</param>
    public StoreScoreSource(IPatternStore store, RetrievalOptions options, CandidateRule rule, StoreSourceSettings? settings = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _rule = rule ?? throw new ArgumentNullException(nameof(rule));
        _settings = settings ?? new StoreSourceSettings();
        _dim = store.Dim;
        if (_settings.CandidateCap < Math.Max(1, rule.AnchorRank))
            throw new ArgumentException($"candidate cap: must be ≥ the map's anchor rank {rule.AnchorRank} (got {_settings.CandidateCap})", nameof(settings));
        if (_settings.PairCap < 1) throw new ArgumentException($"pair cap: must be ≥ 1 (got {_settings.PairCap})", nameof(settings));
        if (_settings.GatherCap < 1) throw new ArgumentException($"gather cap: must be ≥ 1 (got {_settings.GatherCap})", nameof(settings));
        if (!(_settings.SoftmaxTolerance is >= 0 and < 1)) throw new ArgumentException($"softmax tolerance: must be in [0, 1) (got {_settings.SoftmaxTolerance})", nameof(settings));
    }

    /// <summary>Passes over the store so far (score rounds, probes, threshold readouts, counts, gathers, retrieved-row scans).</summary>
    public long Passes { get; private set; }

    private long FirstRow => _settings.FirstRow;

    /// <summary>The softmax tolerance: the larger of the settings' and the options' (<see cref="RetrievalOptions.SoftmaxTolerance"/>).</summary>
    private double Tolerance => Math.Max(_settings.SoftmaxTolerance, _options.SoftmaxTolerance);

    /// <summary>
    /// Softmax final pairs: every row that can weigh &gt; 0 (margin 746) when exact; with a tolerance ε only the rows the
    /// sums kept (e^{θ−m} ≥ ε/N), and the support count round counts the rest exactly.
    /// </summary>
    private double PairMargin => Tolerance > 0
        ? Math.Min(SoftmaxPairMargin, -Math.Log(Tolerance / Math.Max(1, _store.Rows)))
        : SoftmaxPairMargin;

    /// <inheritdoc />
    public ValueTask<ScoreSummary[][]> ScoreAsync(ScoreRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var batch = round.States.Length;
        _batch = batch;
        _queries = new float[batch * _dim];
        for (var b = 0; b < batch; b++)
        {
            if (round.States[b].Length != _dim) throw new ArgumentException($"state {b}: length {round.States[b].Length}, expected D = {_dim}", nameof(round));
            for (var k = 0; k < _dim; k++) _queries[(b * _dim) + k] = (float)round.States[b][k];
        }

        var summaries = new ScoreSummary[batch];
        if (batch == 0) return new([summaries]);
        var reductions = new QueryReduction[batch];
        for (var b = 0; b < batch; b++) reductions[b] = Reduction(round.Final[b]);
        var cap = _rule.IsSoftmax ? _settings.PairCap : _settings.CandidateCap;
        var results = _store.Rows == 0 ? Enumerable.Repeat(new FusedQueryResult { Max = double.NegativeInfinity, Reference = double.NegativeInfinity }, batch).ToArray()
            : FusedScorer.Run(_store, _queries, batch, new FusedScoreRequest(_options.Beta, reductions, cap, Tolerance));
        if (_store.Rows > 0) Passes++;
        for (var b = 0; b < batch; b++) summaries[b] = Summary(results[b], round.Final[b]);

        var retrieved = FindRetrieved(round, results);
        for (var b = 0; b < batch; b++)
        {
            if (retrieved[b] >= 0) summaries[b] = summaries[b] with { Retrieved = retrieved[b] };
        }

        return new([summaries]);
    }

    /// <inheritdoc />
    public ValueTask<MassSummary[][][]> ProbeAsync(double[][] taus)
    {
        ArgumentNullException.ThrowIfNull(taus);
        RequireScored(taus.Length, "probe");
        if (_rule.Threshold is null) throw new InvalidOperationException("probe: the map is not a threshold map");
        var chunks = Scan(
            () => (Map: (IThresholdMap)MapFactory.Create(_rule.Spec), Sums: taus.Select(t => new MassSummary[t.Length]).ToArray()),
            (state, _, rows, _, scores) =>
            {
                for (var b = 0; b < taus.Length; b++)
                {
                    if (taus[b].Length > 0) state.Map.Probe(scores.Slice(b * rows, rows), taus[b], state.Sums[b]);
                }
            },
            skip: taus.All(t => t.Length == 0));
        var sums = taus.Select(t => new MassSummary[t.Length]).ToArray();
        foreach (var chunk in chunks)
        {
            for (var b = 0; b < sums.Length; b++)
            {
                for (var t = 0; t < sums[b].Length; t++) sums[b][t] += chunk.Sums[b][t];
            }
        }

        return new([sums]);
    }

    /// <inheritdoc />
    public ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round) => ReadoutAsync(round, _settings.PairCap);

    /// <summary><see cref="ReadoutAsync(ReadoutRound)"/> listing at most <paramref name="pairCap"/> pairs per query (a partition's request carries its own cap).</summary>
    public ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round, int pairCap)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (pairCap < 1) throw new ArgumentOutOfRangeException(nameof(pairCap), pairCap, "pair cap must be ≥ 1");
        var batch = round.Modes.Length;
        RequireScored(batch, "readout");
        var parts = new ReadoutPart[batch];
        for (var b = 0; b < batch; b++)
        {
            parts[b] = round.Modes[b] == ReadoutMode.Explicit
                ? ExplicitReadout(round.Ids[b], round.Weights[b], round.WantPairs[b])
                : new ReadoutPart(0, 0, [], [], []);
        }

        var scanned = Enumerable.Range(0, batch).Where(b => round.Modes[b] is ReadoutMode.Threshold or ReadoutMode.Softmax).ToArray();
        if (scanned.Length == 0) return new([parts]);
        var tmap = _rule.Threshold;
        if (scanned.Any(b => round.Modes[b] == ReadoutMode.Threshold) && tmap is null)
            throw new InvalidOperationException("threshold readout: the map is not a threshold map");
        var chunks = Scan(
            () => (Map: tmap is null ? null : (IThresholdMap)MapFactory.Create(_rule.Spec), Acc: scanned.Select(_ => new ReadoutAccumulator(_dim)).ToArray()),
            (state, first, rows, tile, scores) =>
            {
                for (var j = 0; j < scanned.Length; j++)
                {
                    var b = scanned[j];
                    var s = scores.Slice(b * rows, rows);
                    var mode = round.Modes[b];
                    // Threshold weights vanish at or below τ: most tiles hold no support row.
                    if (mode == ReadoutMode.Threshold && !(TensorMax(s) > round.Taus[b])) continue;
                    var part = PartitionScoring.Readout(mode, state.Map, round.Taus[b], null, null, s, tile, _dim, FirstRow + first, round.WantPairs[b] ? pairCap : 0);
                    state.Acc[j].Add(part, pairCap);
                }
            });
        for (var j = 0; j < scanned.Length; j++)
        {
            var total = new ReadoutAccumulator(_dim);
            foreach (var chunk in chunks) total.Add(chunk.Acc[j].ToPart(pairCap), pairCap);
            parts[scanned[j]] = total.ToPart(pairCap);
        }

        return new([parts]);
    }

    /// <inheritdoc />
    public ValueTask<long[][]> CountSupportAsync(double[] shifts, double[] totals)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(totals);
        RequireScored(shifts.Length, "support count");
        var chunks = Scan(
            () => new long[shifts.Length],
            (counts, _, rows, _, scores) =>
            {
                for (var b = 0; b < shifts.Length; b++) counts[b] += PartitionScoring.SupportCount(scores.Slice(b * rows, rows), shifts[b], totals[b]);
            },
            skip: shifts.All(double.IsNaN));
        var total = new long[shifts.Length];
        foreach (var c in chunks)
        {
            for (var b = 0; b < total.Length; b++) total[b] += c[b];
        }

        return new([total]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds) => GatherAsync(bounds, _settings.GatherCap);

    /// <summary><see cref="GatherAsync(double[])"/> with the cap of this round (a partition's request carries its own).</summary>
    public ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds, int cap)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        RequireScored(bounds.Length, "gather");
        if (cap < 1) throw new ArgumentOutOfRangeException(nameof(cap), cap, "gather cap must be ≥ 1");
        var chunks = Scan(
            () => bounds.Select(_ => (Ids: new List<long>(), Scores: new List<float>(), Complete: new bool[] { true })).ToArray(),
            (state, first, rows, _, scores) =>
            {
                for (var b = 0; b < bounds.Length; b++)
                {
                    if (double.IsPositiveInfinity(bounds[b]) || !state[b].Complete[0]) continue;
                    var part = PartitionScoring.GatherAbove(scores.Slice(b * rows, rows), FirstRow + first, bounds[b], cap - state[b].Ids.Count);
                    state[b].Ids.AddRange(part.Ids);
                    state[b].Scores.AddRange(part.Scores);
                    state[b].Complete[0] = part.Complete;
                }
            },
            skip: bounds.All(double.IsPositiveInfinity));
        // Chunks in row order: ids ascending, as the driver's merge expects.
        var parts = new GatherPart[bounds.Length];
        for (var b = 0; b < bounds.Length; b++)
        {
            var ids = chunks.SelectMany(c => c[b].Ids).ToArray();
            var scores = chunks.SelectMany(c => c[b].Scores).ToArray();
            var complete = chunks.All(c => c[b].Complete[0]) && ids.Length <= cap;
            parts[b] = complete ? new GatherPart(ids, scores, true) : new GatherPart(ids[..Math.Min(cap, ids.Length)], scores[..Math.Min(cap, scores.Length)], false);
        }

        return new(new[] { parts });
    }

    /// <summary>What the fused pass keeps for one query: the softmax triple (and, at the final evaluation, the pairs that can weigh &gt; 0), or the candidates above the support bound.</summary>
    private QueryReduction Reduction(bool final)
    {
        if (_rule.IsSoftmax) return new QueryReduction(Softmax: true, Margin: final ? PairMargin : null);
        // The bound is translation-invariant: anchor − Bound(anchor) is a constant margin. Widened a hair so that rows
        // exactly at the anchor or at an inclusive bound are kept (extra candidates carry no weight: the merge filters them).
        var margin = -_rule.Bound(0.0);
        if (double.IsNaN(margin) || margin < 0) margin = double.PositiveInfinity;
        if (double.IsFinite(margin)) margin += 1e-9 * (1 + margin);
        return new QueryReduction(Margin: margin, K: _rule.AnchorRank, Tighten: QueryReduction.TightenSpec(_rule.Threshold));
    }

    private ScoreSummary Summary(FusedQueryResult r, bool final)
    {
        var finite = _store.Rows;
        var ids = FirstRow == 0 ? r.Ids : r.Ids.Select(i => FirstRow + i).ToArray();
        if (finite == 0) return new ScoreSummary(double.NegativeInfinity, [], 0, true, double.PositiveInfinity, [], [], [], 0, [], -1);
        if (_rule.IsSoftmax)
        {
            var soft = r.Softmax ?? throw new InvalidOperationException("fused pass: no softmax state");
            if (!final) return new ScoreSummary(soft.Max, [soft.Max], finite, false, double.PositiveInfinity, [], [], [], soft.Z, soft.R, -1) { SoftmaxS = soft.S };
            // Every row that can weigh > 0 is listed unless the cap cut the list (then a support count decides).
            var floor = r.CapHit ? MinOf(r.Scores) : r.Bound;
            var complete = !r.CapHit && PairMargin >= SoftmaxPairMargin;
            // The smallest score decides the support count without a counting pass whenever every row weighs > 0.
            return new ScoreSummary(soft.Max, [soft.Max], finite, complete, floor, r.Scores, ids, [], soft.Z, soft.R, -1) { SoftmaxS = soft.S, Min = r.Min };
        }

        var k = _rule.AnchorRank;
        var top = Candidates.TopScores(r.Scores, Math.Max(1, k));
        var listFloor = r.CapHit ? MinOf(r.Scores) : r.Bound;
        return new ScoreSummary(r.Max, top, finite, !r.CapHit, listFloor, r.Scores, ids, [], 0, [], -1);
    }

    /// <summary>
    /// The retrieved row of each final query: the smallest id within the tolerance (∞-norm) of the state. Such a row
    /// scores at least β(‖q‖² − tol‖q‖₁) less float32 rounding, so when the candidates are complete above a lower bound
    /// only they are checked (a cut list holds the cap largest, so it decides when its smallest score is below the lower
    /// bound); otherwise one pass checks the rows scoring above that bound.
    /// </summary>
    private long[] FindRetrieved(ScoreRound round, IReadOnlyList<FusedQueryResult> results)
    {
        var batch = round.States.Length;
        var found = Enumerable.Repeat(-1L, batch).ToArray();
        var lower = new double[batch];
        var scan = new List<int>();
        var row = new float[_dim];
        for (var b = 0; b < batch; b++)
        {
            if (!round.Final[b] || _store.Rows == 0) continue;
            lower[b] = LowerScore(round.States[b]);
            var r = results[b];
            // Rows left out of the list score ≤ its bound (complete list) or ≤ its smallest score (cut list: the cap largest).
            var listFloor = r.CapHit ? MinOf(r.Scores) : r.Bound;
            if (!(listFloor < lower[b]))
            {
                scan.Add(b);
                continue;
            }

            for (var t = 0; t < r.Ids.Length; t++)
            {
                // A row within the tolerance scores at least the lower bound: the rest need not be read.
                if (!(r.Scores[t] >= lower[b])) continue;
                var id = r.Ids[t];
                _store.ReadRow(id, row);
                if (PartitionScoring.FindRetrieved(row, _dim, id, round.States[b], _options.RetrievedTol) >= 0)
                {
                    found[b] = FirstRow + id;
                    break;
                }
            }
        }

        if (scan.Count == 0) return found;
        var chunks = Scan(
            () => scan.Select(_ => -1L).ToArray(),
            (hits, first, rows, tile, scores) =>
            {
                for (var j = 0; j < scan.Count; j++)
                {
                    if (hits[j] >= 0) continue;
                    var b = scan[j];
                    var s = scores.Slice(b * rows, rows);
                    for (var i = 0; i < rows && hits[j] < 0; i++)
                    {
                        if (s[i] >= lower[b]) hits[j] = PartitionScoring.FindRetrieved(tile.Slice(i * _dim, _dim), _dim, first + i, round.States[b], _options.RetrievedTol);
                    }
                }
            });
        for (var j = 0; j < scan.Count; j++)
        {
            // Chunks in row order: the first hit is the smallest id.
            var hit = chunks.Select(c => c[j]).FirstOrDefault(h => h >= 0, -1);
            found[scan[j]] = hit >= 0 ? FirstRow + hit : -1;
        }

        return found;
    }

    /// <summary>β(‖q‖² − tol‖q‖₁) less the float32 rounding of the score (q and x rounded, D-term dot product): no row within tol of q scores below it.</summary>
    private double LowerScore(double[] q)
    {
        double sq = 0, l1 = 0, mag = 0;
        var tol = _options.RetrievedTol;
        foreach (var v in q)
        {
            sq += v * v;
            l1 += Math.Abs(v);
            mag += Math.Abs(v) * (Math.Abs(v) + tol);
        }

        var beta = _options.Beta;
        return (beta * (sq - (tol * l1))) - (beta * mag * (_dim + 2) * Math.ScaleB(1.0, -22)) - 1e-300;
    }

    /// <summary>Σ w x over the support rows held here, read by random access (docs/math.md §1: the sparse readout Xᵀp).</summary>
    private ReadoutPart ExplicitReadout(long[] ids, double[] weights, bool wantPairs)
    {
        var mine = new List<(long Id, double W)>();
        for (var t = 0; t < ids.Length; t++)
        {
            var local = ids[t] - FirstRow;
            if (local >= 0 && local < _store.Rows) mine.Add((local, weights[t]));
        }

        mine.Sort((a, b) => a.Id.CompareTo(b.Id));
        var rows = new float[mine.Count * _dim];
        for (var t = 0; t < mine.Count; t++) _store.ReadRow(mine[t].Id, rows.AsSpan(t * _dim, _dim));
        var index = Enumerable.Range(0, mine.Count).Select(t => (long)t).ToArray();
        var part = PartitionScoring.Readout(
            ReadoutMode.Explicit, null, 0, index, mine.Select(m => m.W).ToArray(), default, rows, _dim, 0, wantPairs ? int.MaxValue : 0);
        var pairIds = part.PairIds.Select(t => FirstRow + mine[(int)t].Id).ToArray();
        return part with { PairIds = pairIds };
    }

    private TState[] Scan<TState>(Func<TState> create, FusedScorer.TileVisitor<TState> visit, bool skip = false)
    {
        if (skip || _store.Rows == 0 || _batch == 0) return [];
        Passes++;
        return FusedScorer.ScanTiles(_store, _queries, _batch, _options.Beta, create, visit);
    }

    private void RequireScored(int batch, string round)
    {
        if (batch != _batch) throw new InvalidOperationException($"{round}: {batch} queries, but {_batch} were scored in this step");
    }

    private static double MinOf(float[] scores) => scores.Length == 0 ? double.PositiveInfinity : scores.Min();

    private static float TensorMax(ReadOnlySpan<float> s) => s.Length == 0 ? float.NegativeInfinity : System.Numerics.Tensors.TensorPrimitives.Max(s);

    /// <summary>Readout parts folded in row order: sums added, pairs kept to the largest <c>cap</c> (ids ascending).</summary>
    private sealed class ReadoutAccumulator(int dim)
    {
        private readonly double[] _z = new double[dim];
        private readonly List<(long Id, double W)> _pairs = [];
        private double _sum;
        private double _regularizer;
        private long _count;

        public void Add(ReadoutPart part, int cap)
        {
            _sum += part.WeightSum;
            _regularizer += part.RegularizerSum;
            _count += part.Count;
            for (var j = 0; j < part.Readout.Length; j++) _z[j] += part.Readout[j];
            for (var t = 0; t < part.PairIds.Length; t++) _pairs.Add((part.PairIds[t], part.PairWeights[t]));
            if (_pairs.Count > 2 * cap) Trim(cap);
        }

        public ReadoutPart ToPart(int cap)
        {
            Trim(cap);
            return new ReadoutPart(_sum, _count, (double[])_z.Clone(), _pairs.Select(p => p.Id).ToArray(), _pairs.Select(p => p.W).ToArray())
            {
                RegularizerSum = _regularizer,
            };
        }

        private void Trim(int cap)
        {
            if (_pairs.Count > cap)
            {
                var kept = _pairs.OrderByDescending(p => p.W).ThenBy(p => p.Id).Take(cap).ToArray();
                _pairs.Clear();
                _pairs.AddRange(kept);
            }

            _pairs.Sort((a, b) => a.Id.CompareTo(b.Id));
        }
    }
}
