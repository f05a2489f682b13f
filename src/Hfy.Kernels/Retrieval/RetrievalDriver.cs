using System.Runtime.InteropServices;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Retrieval;

/// <summary>Limits of the driver (the local engine leaves them at their defaults; the cluster passes its settings).</summary>
public sealed record DriverSettings
{
    /// <summary>(row id, weight) pairs kept per query for the final weights; a larger support lists the largest only.</summary>
    public int MaxSupportPairs { get; init; } = int.MaxValue;

    /// <summary>Probe rounds per step before the request fails (a threshold search converges in a few).</summary>
    public int MaxProbeRounds { get; init; } = 200;

    /// <summary>Per-query merges and solves of a batch run on every core (one map instance per worker).</summary>
    public bool Parallel { get; init; } = true;

    /// <summary>
    /// A step whose state is (nearly) one row — the last p had a weight ≥ 1 − 1e-9 — collects what a final evaluation
    /// does; when it ends at a fixed point (q_{t+1} = q_t bit for bit) and the next scoring would be the final one, the
    /// query finishes there: the final evaluation would score the same state again. The answer is the same either way.
    /// </summary>
    public bool FinishAtFixedPoint { get; init; } = true;
}

/// <summary>
/// The retrieval dynamics q_{t+1} = ŷ_Ψ(Xᵀ ŷ_Ω(β X q_t)) (docs/math.md §1) for a batch of queries, one step at a
/// time over an <see cref="IScoreSource"/> (docs/architecture.md, "maps are threshold problems"): a score round;
/// then per query the exact solve on the candidates when every partition's list is complete or the truncated lists
/// decide it, else a gather round (sequential k-subsets) or probe rounds (a threshold search); a readout round when
/// the rows of the support are not at hand; a support-count round when the softmax pairs cannot decide the final
/// support; then ŷ_Ψ. All queries of the batch share every round. The single-query, batched and distributed
/// retrievals all run here; only the source differs.
/// </summary>
/// <remarks>
/// The driver is an async method over ValueTask-returning rounds rather than a hand-written resumable state
/// machine: the compiler writes the state machine, the code reads as the protocol, and a local source (whose
/// rounds complete synchronously) runs it without a thread hop or an allocation per round. The energy trace
/// E(q_0 … q_T) comes from the float64 readouts and Ω(p) (<see cref="HfyDynamics.EnergyFromReadout(RetrievalOptions, double, ReadOnlySpan{double}, ReadOnlySpan{double})"/>).
/// </remarks>
public sealed class RetrievalDriver
{
    private readonly RetrievalOptions _options;
    private readonly IMap _map;
    private readonly CandidateRule _rule;
    private readonly DriverSettings _settings;
    private readonly bool _energy;
    private readonly long _rows;
    private readonly int _dim;

    /// <summary>Creates a driver for one request.</summary>
    /// <param name="options">Map, β, steps, tolerance, post-transform (valid: <see cref="RetrievalOptions.Problem"/>).</param>
    /// <param name="map">An instance of the map (used as is when queries are solved one at a time).</param>
    /// <param name="rows">Rows N of the bank (sequential k-subsets' Ω depends on it).</param>
    /// <param name="dim">D.</param>
    /// <param name="settings">Limits.</param>
    public RetrievalDriver(RetrievalOptions options, IMap map, long rows, int dim, DriverSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(map);
        _options = options;
        _map = map;
        _rule = new CandidateRule(options.Map, map);
        _settings = settings ?? new DriverSettings();
        _energy = HfyDynamics.HasEnergy(options.Post);
        _rows = rows;
        _dim = dim;
    }

    /// <summary>The map's candidate rule (sources use it to summarize their scores).</summary>
    public CandidateRule Rule => _rule;

    /// <summary>Runs the dynamics from the initial states <paramref name="q0"/> (already normalized for the post-transform).</summary>
    public async ValueTask<RetrievalResult[]> RunAsync(IScoreSource source, IReadOnlyList<double[]> q0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(q0);
        var queries = new QueryState[q0.Count];
        for (var b = 0; b < queries.Length; b++)
        {
            if (q0[b].Length != _dim) throw new ArgumentException($"q0: state {b} has length {q0[b].Length}, expected dim {_dim}", nameof(q0));
            queries[b] = new QueryState((double[])q0[b].Clone());
        }

        var step = 0;
        while (true)
        {
            var active = queries.Where(q => q.Result is null).ToArray();
            if (active.Length == 0) break;
            try
            {
                await RunStepAsync(source, active, step).ConfigureAwait(false);
            }
            catch (ScoresLostException)
            {
                // A partition lost the step's scores: score the same states again (the source bounds the restarts).
                continue;
            }

            step++;
        }

        return queries.Select(s => s.Result!).ToArray();
    }

    private async ValueTask RunStepAsync(IScoreSource source, QueryState[] active, int step)
    {
        var sqs = active.Select(q => new StepQuery(q, q.Steps >= _options.Steps || q.Converged, Speculates(q))).ToArray();
        var scored = await source.ScoreAsync(new ScoreRound(step, active.Select(q => q.Q).ToArray(), sqs.Select(q => q.WantsFinal).ToArray())).ConfigureAwait(false);
        ForEachQuery(sqs.Length, (b, map) =>
        {
            var parts = new ScoreSummary[scored.Length];
            for (var p = 0; p < parts.Length; p++) parts[p] = scored[p][b];
            var sq = sqs[b];
            if (sq.WantsFinal)
            {
                var hit = long.MaxValue;
                foreach (var s in parts)
                {
                    if (s.Retrieved >= 0) hit = Math.Min(hit, s.Retrieved);
                }

                sq.Retrieved = hit == long.MaxValue ? null : hit;
            }

            if (_rule.IsSoftmax) MergeSoftmax(sq, parts);
            else MergeCandidates(sq, parts, map);
        });

        var probeRounds = 0;
        while (true)
        {
            foreach (var sq in sqs)
            {
                // A finished threshold search still needs its readout.
                if (sq.Search is { IsDone: true } && !sq.ReadoutDone) sq.Readout = ReadoutMode.Threshold;
            }

            if (sqs.Any(q => q.GatherBound is not null)) await GatherAsync(source, sqs).ConfigureAwait(false);
            else if (sqs.Any(q => q.Search is { IsDone: false }))
            {
                if (++probeRounds > _settings.MaxProbeRounds)
                    throw new RetrievalFailedException($"threshold search did not converge in {_settings.MaxProbeRounds} probe rounds");
                await ProbeAsync(source, sqs).ConfigureAwait(false);
            }
            else if (sqs.Any(q => q.Readout != ReadoutMode.Skip)) await ReadoutAsync(source, sqs).ConfigureAwait(false);
            else if (sqs.Any(q => q.CountShift is not null)) await CountAsync(source, sqs).ConfigureAwait(false);
            else break;
        }

        FinishStep(sqs);
    }

    /// <summary>
    /// Final queries keep their weights and stop; the others take the update q ← ŷ_Ψ(z). A speculating step that ends at
    /// a fixed point finishes as its final evaluation would: one more step counted, E(q_{t+1}) = E(q_t) listed again.
    /// </summary>
    private void FinishStep(StepQuery[] sqs)
    {
        foreach (var sq in sqs)
        {
            var state = sq.State;
            double? energy = null;
            if (_energy)
            {
                var z0 = sq.Z ?? throw new InvalidOperationException("evaluation finished without a readout for the energy");
                var omega = sq.Omega ?? throw new InvalidOperationException("evaluation finished without Ω(p) for the energy");
                energy = HfyDynamics.EnergyFromReadout(_options, omega, state.Q, z0);
                state.Energy.Add(energy.Value);
            }

            if (!sq.Final)
            {
                var z = sq.Z ?? throw new InvalidOperationException("step finished without a readout");
                PostTransforms.Apply(_options.Post, z, _options.Beta);
                // Softmax decided in MergeSoftmax (before its support count); the other maps here, z being known.
                if (sq.Speculative && !_rule.IsSoftmax && SameBits(z, state.Q))
                {
                    sq.FixedPoint = true;
                }
                else
                {
                    double d = 0;
                    for (var j = 0; j < _dim; j++) d += (z[j] - state.Q[j]) * (z[j] - state.Q[j]);
                    state.Converged = _options.Tol > 0 && Math.Sqrt(d) <= _options.Tol;
                    state.Q = z;
                    state.Steps++;
                    state.TopWeight = sq.TopWeight;
                    continue;
                }
            }

            if (sq.FixedPoint)
            {
                state.Steps++;
                if (energy is { } e) state.Energy.Add(e);
            }

            var ids = sq.Ids ?? [];
            state.Result = new RetrievalResult(state.Q, ids, sq.Weights ?? [], state.Steps, [.. state.Energy], sq.Retrieved)
            {
                SupportSize = sq.SupportSize ?? ids.Length,
            };
        }
    }

    /// <summary>Weight of the last p at or above which the state is taken for (nearly) one row, and a step speculates.</summary>
    private const double SpeculateWeight = 1 - 1e-9;

    /// <summary>
    /// Whether a non-final step of <paramref name="q"/> collects what the final evaluation does: its state is nearly one
    /// row, and a fixed point would make the next scoring the final one (a tolerance, or the last step).
    /// </summary>
    private bool Speculates(QueryState q) =>
        _settings.FinishAtFixedPoint && q.TopWeight >= SpeculateWeight && (_options.Tol > 0 || q.Steps + 1 >= _options.Steps);

    /// <summary>Whether ŷ_Ψ(z) is the state bit for bit (z is left as it is).</summary>
    private bool IsFixedPoint(QueryState state, double[] z)
    {
        var next = (double[])z.Clone();
        PostTransforms.Apply(_options.Post, next, _options.Beta);
        return SameBits(next, state.Q);
    }

    private static bool SameBits(double[] a, double[] b) =>
        MemoryMarshal.Cast<double, long>(a.AsSpan()).SequenceEqual(MemoryMarshal.Cast<double, long>(b.AsSpan()));

    // ---- after the score round ---------------------------------------------------------------------------

    /// <summary>Softmax (one round): merge the online-softmax states; z = r / Z; final weights from the shipped pairs.</summary>
    private void MergeSoftmax(StepQuery sq, ScoreSummary[] parts)
    {
        var state = SummaryMerge.Softmax(parts, _dim);
        if (state.IsEmpty) throw new RetrievalFailedException("softmax: no finite score");
        var z = new double[_dim];
        state.Readout(z);
        sq.Z = z;
        sq.Omega = state.NegEntropy;
        sq.TopWeight = 1 / state.Z;
        var final = sq.WantsFinal ? SummaryMerge.SoftmaxFinal(parts, state.Max, state.Z) : null;
        // A speculating step decides here, before any support count (a round, and a pass over a streamed store). It
        // finishes only when the pairs decide the support: a count would add a round to a batch whose other queries
        // may still need their final evaluation (with its own count).
        if (sq.Speculative && final is { Decided: true } && IsFixedPoint(sq.State, z))
        {
            sq.Final = true;
            sq.FixedPoint = true;
        }

        if (!sq.Final || final is null) return;

        SetPairs(sq, final.Pairs, final.Support);
        if (!final.Decided)
        {
            sq.SupportSize = null;
            sq.CountShift = state.Max;
            sq.CountTotal = state.Z;
        }
    }

    /// <summary>Threshold maps and sequential k-subsets: global anchor and bound; exact solve when the candidates decide it.</summary>
    private void MergeCandidates(StepQuery sq, ScoreSummary[] parts, IMap map)
    {
        var union = SummaryMerge.Candidates(_rule, parts, _dim);
        var cands = union.Candidates;
        if (_rule.IsSequential)
        {
            if (union.Complete) SolveSequential(sq, cands);
            else sq.GatherBound = union.Bound;
            return;
        }

        var theta = cands.Select(c => c.Score).ToArray();
        var p = new double[theta.Length];
        if (union.Complete)
        {
            // A wide union (entmax at moderate β: thousands of candidates, tens in the support) is solved on its largest
            // scores first; when nothing at or below the next score carries weight, that is the exact answer without
            // sorting the whole union.
            if (theta.Length > 2 * TopSolve && map is IThresholdMap wide && SolveOnTop(sq, cands, theta, wide)) return;

            // Exact (sort-based) solve on the union of candidates: rows outside it carry no weight.
            map.Forward(theta, p);
            SetExplicit(sq, cands, p, map.Regularizer(p));
            return;
        }

        var tmap = map as IThresholdMap ?? throw new InvalidOperationException($"map {_rule.Spec.Label}: cut candidate lists need a threshold map");

        // Truncated lists (dense regimes): exact on the union when no left-out row can carry weight, else a bracket.
        if (TruncatedSolve.TrySolve(tmap, theta, union.Floor, p, out var lo, out var hi))
        {
            SetExplicit(sq, cands, p, map.Regularizer(p));
            return;
        }

        var search = tmap.BeginSearch(union.Max, union.Anchor, union.Finite);
        search.Narrow(lo, hi);
        sq.Search = search;
    }

    /// <summary>Candidates solved first when a complete union holds more than twice as many.</summary>
    private const int TopSolve = 256;

    /// <summary>
    /// The exact solve on the scores above the <see cref="TopSolve"/>-th largest, valid for the whole union when the
    /// cut score carries no weight at that solution (<see cref="TruncatedSolve"/>: every score left out is ≤ it).
    /// </summary>
    private bool SolveOnTop(StepQuery sq, List<MergedCandidate> cands, double[] theta, IThresholdMap map)
    {
        var work = (double[])theta.Clone();
        var cut = Selection.SelectDescending(work.AsSpan(), TopSolve - 1);
        var kept = new List<MergedCandidate>(TopSolve);
        var top = new List<double>(TopSolve);
        for (var t = 0; t < theta.Length; t++)
        {
            if (!(theta[t] > cut)) continue;
            kept.Add(cands[t]);
            top.Add(theta[t]);
        }

        var p = new double[top.Count];
        if (!TruncatedSolve.TrySolve(map, CollectionsMarshal.AsSpan(top), cut, p, out _, out _)) return false;
        SetExplicit(sq, kept, p, map.Regularizer(p));
        return true;
    }

    private void SolveSequential(StepQuery sq, List<MergedCandidate> cands)
    {
        cands.Sort((a, b) => a.Id.CompareTo(b.Id));
        var positions = cands.Select(c => c.Id).ToArray();
        var scores = cands.Select(c => c.Score).ToArray();
        var (p, omega) = SolveSequential(positions, scores);
        SetExplicit(sq, cands, p, omega);
    }

    private (double[] P, double Omega) SolveSequential(long[] positions, double[] scores)
    {
        var spec = _rule.Spec;
        var solution = SequentialKSubsets.Solve(positions, scores, spec.SubsetSize, spec.W, spec.Compat);
        var omega = SeqKSubsetsMap.RegularizerOf(spec, solution.Marginals, SequentialKSubsets.ExpectedPairs(solution, positions), _rows);
        return (solution.Marginals, omega);
    }

    /// <summary>Weights known here: read out at once when the rows of the support came along, else an explicit readout round.</summary>
    private void SetExplicit(StepQuery sq, List<MergedCandidate> cands, double[] p, double omega)
    {
        var rowsAll = true;
        var ids = new List<long>();
        var weights = new List<double>();
        var rows = new List<ReadOnlyMemory<float>>();
        for (var t = 0; t < cands.Count; t++)
        {
            if (!(p[t] > 0)) continue;
            rowsAll &= cands[t].Row.Length == _dim;
            ids.Add(cands[t].Id);
            weights.Add(p[t]);
            rows.Add(cands[t].Row);
        }

        sq.ExplicitIds = [.. ids];
        sq.ExplicitWeights = [.. weights];
        sq.Omega = omega;
        sq.TopWeight = weights.Count == 0 ? 0 : weights.Max();
        if (sq.WantsFinal)
        {
            // p at q_T, and its readout only for the energy at q_T (a speculating step needs it for the update).
            SetPairs(sq, ids.Zip(weights).Select(x => (x.First, x.Second)).ToList());
            if (sq.Final && !_energy) return;
        }

        if (rowsAll)
        {
            var z = new double[_dim];
            for (var t = 0; t < ids.Count; t++) Scoring.Readout.AddScaled(rows[t].Span, weights[t], z);
            sq.Z = z;
        }
        else
        {
            sq.Readout = ReadoutMode.Explicit;
        }
    }

    /// <summary>
    /// The final weights: at most <see cref="DriverSettings.MaxSupportPairs"/> (the largest), ids ascending, and the
    /// true support size <paramref name="support"/> (default: every pair given).
    /// </summary>
    private void SetPairs(StepQuery sq, List<(long Id, double W)> pairs, long? support = null)
    {
        sq.SupportSize = support ?? pairs.Count;
        var cap = _settings.MaxSupportPairs;
        var kept = pairs.Count > cap ? pairs.OrderByDescending(x => x.W).Take(cap).ToArray() : pairs.ToArray();
        var ascending = true;
        for (var t = 1; t < kept.Length && ascending; t++) ascending = kept[t - 1].Id < kept[t].Id;
        if (!ascending) Array.Sort(kept, (a, b) => a.Id.CompareTo(b.Id));
        sq.Ids = new long[kept.Length];
        sq.Weights = new double[kept.Length];
        for (var t = 0; t < kept.Length; t++) (sq.Ids[t], sq.Weights[t]) = kept[t];
    }

    // ---- later rounds ------------------------------------------------------------------------------------

    private async ValueTask GatherAsync(IScoreSource source, StepQuery[] sqs)
    {
        var bounds = sqs.Select(q => q.GatherBound ?? double.PositiveInfinity).ToArray();
        var chunks = await source.GatherAsync(bounds).ConfigureAwait(false);
        var queries = Enumerable.Range(0, sqs.Length).Where(b => sqs[b].GatherBound is not null).ToArray();
        var solved = new (List<MergedCandidate> Cands, double[] P, double Omega)[queries.Length];

        // The SparseMAP solves are independent (in the dense regime each runs on all N rows): on every core, each
        // assembling its own pairs so that at most that many copies are alive.
        ForEachQuery(queries.Length, (i, _) =>
        {
            var (positions, scores, complete) = SummaryMerge.Gathered(chunks, queries[i]);
            if (!complete) throw new RetrievalFailedException("sequential k-subsets: a partition cut its gathered candidates; raise GatherCap or β");
            var (marginals, omega) = SolveSequential(positions, scores);
            var support = new List<MergedCandidate>();
            var weights = new List<double>();
            for (var t = 0; t < positions.Length; t++)
            {
                if (!(marginals[t] > 0)) continue;
                support.Add(new MergedCandidate(positions[t], scores[t], default));
                weights.Add(marginals[t]);
            }

            solved[i] = (support, [.. weights], omega);
        });
        for (var i = 0; i < queries.Length; i++)
        {
            var sq = sqs[queries[i]];
            sq.GatherBound = null;
            SetExplicit(sq, solved[i].Cands, solved[i].P, solved[i].Omega);
        }
    }

    private async ValueTask ProbeAsync(IScoreSource source, StepQuery[] sqs)
    {
        var taus = sqs.Select(q => q.Search is { IsDone: false } s ? s.NextProbes() : []).ToArray();
        var parts = await source.ProbeAsync(taus).ConfigureAwait(false);
        for (var b = 0; b < sqs.Length; b++)
        {
            var sq = sqs[b];
            if (taus[b].Length == 0 || sq.Search is null) continue;
            sq.Search.Absorb(SummaryMerge.Probe(parts, b, taus[b].Length));
        }
    }

    private async ValueTask ReadoutAsync(IScoreSource source, StepQuery[] sqs)
    {
        var round = new ReadoutRound(
            sqs.Select(q => q.Readout).ToArray(),
            sqs.Select(q => q.Readout == ReadoutMode.Threshold ? q.Search!.Tau : 0.0).ToArray(),
            sqs.Select(q => q.Readout == ReadoutMode.Explicit ? q.ExplicitIds! : []).ToArray(),
            sqs.Select(q => q.Readout == ReadoutMode.Explicit ? q.ExplicitWeights! : []).ToArray(),
            sqs.Select(q => q.WantsFinal).ToArray());
        var parts = await source.ReadoutAsync(round).ConfigureAwait(false);
        var tmap = _rule.Threshold;
        var normalize = tmap is { WeightsNeedNormalizing: true };
        for (var b = 0; b < sqs.Length; b++)
        {
            var sq = sqs[b];
            var mode = sq.Readout;
            if (mode == ReadoutMode.Skip) continue;
            var merged = SummaryMerge.Readout(parts, b, _dim);
            var scale = mode == ReadoutMode.Threshold && normalize ? 1.0 / merged.WeightSum : 1.0;
            var z = merged.Z;
            for (var j = 0; j < _dim; j++) z[j] *= scale;
            sq.Z = z;
            if (mode == ReadoutMode.Threshold && tmap is not null) sq.Omega = tmap.RegularizerFromSums(merged.RegularizerSum, merged.WeightSum);

            // Explicit weights (and their pairs) were set here already.
            if (sq.WantsFinal && mode == ReadoutMode.Threshold)
            {
                var pairs = new List<(long Id, double W)>();
                foreach (var p in parts)
                {
                    var q = p[b];
                    for (var t = 0; t < q.PairIds.Length; t++) pairs.Add((q.PairIds[t], q.PairWeights[t] * scale));
                }

                SetPairs(sq, pairs, merged.Count);
            }

            sq.Readout = ReadoutMode.Skip;
            sq.ReadoutDone = true;
        }
    }

    private async ValueTask CountAsync(IScoreSource source, StepQuery[] sqs)
    {
        var shifts = sqs.Select(q => q.CountShift ?? double.NaN).ToArray();
        var totals = sqs.Select(q => q.CountShift is null ? 1.0 : q.CountTotal).ToArray();
        var parts = await source.CountSupportAsync(shifts, totals).ConfigureAwait(false);
        for (var b = 0; b < sqs.Length; b++)
        {
            var sq = sqs[b];
            if (sq.CountShift is null) continue;
            sq.SupportSize = parts.Sum(p => p[b]);
            sq.CountShift = null;
        }
    }

    // ---- per-query work ----------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="body"/> for every query: on every core with a map per worker, or in order with the given map.</summary>
    private void ForEachQuery(int count, Action<int, IMap> body) =>
        QueryLoop.ForEach(count, _settings.Parallel, _map, _rule.Spec, body);

    /// <summary>A query across steps.</summary>
    private sealed class QueryState(double[] q)
    {
        public double[] Q { get; set; } = q;

        /// <summary>‖q_{t+1} − q_t‖ ≤ Tol: the next scoring is the final evaluation.</summary>
        public bool Converged { get; set; }

        public int Steps { get; set; }

        /// <summary>E(q_0) … E(q_T).</summary>
        public List<double> Energy { get; } = [];

        /// <summary>The answer, set by the final evaluation (null while the query runs).</summary>
        public RetrievalResult? Result { get; set; }

        /// <summary>The largest weight of the last step's p (0 before the first, or when it is not known).</summary>
        public double TopWeight { get; set; }
    }

    /// <summary>A query within the current step.</summary>
    private sealed class StepQuery(QueryState state, bool final, bool speculative)
    {
        public QueryState State { get; } = state;

        /// <summary>This scoring evaluates p at the final state q_T (weights wanted, no update).</summary>
        public bool Final { get; set; } = final;

        /// <summary>A step that collects what a final evaluation does, in case it ends at a fixed point.</summary>
        public bool Speculative { get; } = speculative && !final;

        /// <summary>The round asks the sources for what a final evaluation needs (retrieved row, softmax pairs).</summary>
        public bool WantsFinal => Final || Speculative;

        /// <summary>The speculating step ended at a fixed point and finishes as the final evaluation.</summary>
        public bool FixedPoint { get; set; }

        /// <summary>The largest weight of this step's p (0 when not known).</summary>
        public double TopWeight { get; set; }

        public long? Retrieved { get; set; }

        /// <summary>The readout Xᵀp once known.</summary>
        public double[]? Z { get; set; }

        public double? GatherBound { get; set; }

        public ThresholdSearch? Search { get; set; }

        public ReadoutMode Readout { get; set; }

        /// <summary>Ω(p) of this evaluation, for the energy.</summary>
        public double? Omega { get; set; }

        /// <summary>The readout round for this step has been absorbed.</summary>
        public bool ReadoutDone { get; set; }

        public long[]? ExplicitIds { get; set; }

        public double[]? ExplicitWeights { get; set; }

        public long[]? Ids { get; set; }

        public double[]? Weights { get; set; }

        /// <summary>True support size of the final weights (null: still to be counted).</summary>
        public long? SupportSize { get; set; }

        /// <summary>Softmax final evaluation: the shift m of the support count still to run (null: none).</summary>
        public double? CountShift { get; set; }

        /// <summary>Softmax final evaluation: the normalizer Z of the support count.</summary>
        public double CountTotal { get; set; }
    }
}
