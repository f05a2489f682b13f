using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Actors.Serialization;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Actors.Retrieval;

// The coordinator's share of a step: merging summaries, the exact solve on candidates, and the gather,
// probe and readout rounds for queries whose candidate lists were not enough.
public sealed partial class RetrievalAggregator
{
    /// <summary>Softmax (one round): merge the online-softmax triples; z = r / Z; final weights from the shipped pairs.</summary>
    private void MergeSoftmax(StepQuery sq, ScoreSummary[] parts)
    {
        var m = double.NegativeInfinity;
        foreach (var s in parts)
        {
            if (s.Finite > 0) m = Math.Max(m, s.Max);
        }

        var z = new double[_dim];
        double total = 0;
        foreach (var s in parts)
        {
            if (s.Finite == 0) continue;
            var scale = Math.Exp(s.Max - m);
            total += s.SoftmaxZ * scale;
            for (var j = 0; j < _dim; j++) z[j] += s.SoftmaxR[j] * scale;
        }

        for (var j = 0; j < _dim; j++) z[j] /= total;
        sq.Z = z;

        // Ω(p) = Σ p log p = Σ p_i (θ_i − m) − log Z, from each partition's Σ e^{θ_i − m_p}(θ_i − m_p).
        double shifted = 0;
        foreach (var s in parts)
        {
            if (s.Finite > 0) shifted += Math.Exp(s.Max - m) * (s.SoftmaxS + ((s.Max - m) * s.SoftmaxZ));
        }

        sq.Omega = (shifted / total) - Math.Log(total);
        if (!sq.Final) return;

        var pairs = new List<(long Id, double W)>();
        long support = 0;
        var decided = true;
        foreach (var s in parts)
        {
            long listed = 0;
            for (var t = 0; t < s.Ids.Length; t++)
            {
                var w = SoftmaxSupport.Weight(s.Scores[t], m, total);
                if (!(w > 0)) continue;
                pairs.Add((s.Ids[t], w));
                listed++;
            }

            // The true support size (the pairs are capped): a partition whose list holds every row, or whose unlisted
            // rows (all ≤ Floor) weigh 0, contributes its listed count; one whose smallest score still weighs > 0
            // contributes every finite row; otherwise only counting at the partitions decides it.
            if (s.Finite == 0) continue;
            if (s.Complete || !(SoftmaxSupport.Weight(s.Floor, m, total) > 0)) support += listed;
            else if (SoftmaxSupport.Weight(s.Min, m, total) > 0) support += s.Finite;
            else decided = false;
        }

        SetPairs(sq, pairs, support);
        if (!decided)
        {
            sq.SupportSize = null;
            sq.CountShift = m;
            sq.CountTotal = total;
        }
    }

    /// <summary>Threshold maps and sequential k-subsets: global anchor and bound; exact solve when the candidates are complete.</summary>
    private void MergeCandidates(StepQuery sq, ScoreSummary[] parts)
    {
        var k = PartitionWork.AnchorRank(_spec, _map);
        var max = parts.Max(s => s.Max);
        var top = parts.SelectMany(s => s.Top).OrderByDescending(x => x).Take(k).ToArray();
        var anchor = top.Length >= k ? top[k - 1] : double.NegativeInfinity;
        var bound = PartitionWork.CandidateBound(_spec, _map, anchor);
        var inclusive = PartitionWork.BoundInclusive(_spec);
        var finite = parts.Sum(s => s.Finite);

        // A truncated list is still complete above the global bound when every row it left out scores ≤ its floor ≤ bound.
        var complete = parts.All(s => s.Complete || s.Floor < bound || (!inclusive && s.Floor <= bound));
        var cands = new List<Candidate>();
        foreach (var s in parts)
        {
            var shipped = s.Rows.Length / _dim;
            for (var t = 0; t < s.Ids.Length; t++)
            {
                double v = s.Scores[t];
                if (!(v > bound || (inclusive && v == bound))) continue;
                cands.Add(new Candidate(s.Ids[t], v, t < shipped ? s.Rows.AsMemory(t * _dim, _dim) : default));
            }
        }

        if (_spec.Kind == MapKind.SeqKSubsets)
        {
            if (complete) SolveSequential(sq, cands);
            else sq.GatherBound = bound;
            return;
        }

        var tmap = (IThresholdMap)_map!;
        var theta = cands.Select(c => c.Score).ToArray();
        var p = new double[theta.Length];
        if (complete)
        {
            // Exact (sort-based) solve on the union of candidates: rows outside it carry no weight.
            _map!.Forward(theta, p);
            SetExplicit(sq, cands, p);
            return;
        }

        // Truncated lists (dense regimes): exact on the union when no left-out row can carry weight, else a bracket.
        var floor = parts.Where(s => !(s.Complete || s.Floor < bound)).Max(s => s.Floor);
        if (TruncatedSolve.TrySolve(tmap, theta, floor, p, out var lo, out var hi))
        {
            SetExplicit(sq, cands, p);
            return;
        }

        var search = tmap.BeginSearch(max, anchor, finite);
        search.Narrow(lo, hi);
        sq.Search = search;
    }

    private void SolveSequential(StepQuery sq, List<Candidate> cands)
    {
        cands.Sort((a, b) => a.Id.CompareTo(b.Id));
        var positions = cands.Select(c => c.Id).ToArray();
        var scores = cands.Select(c => c.Score).ToArray();
        var solution = SequentialKSubsets.Solve(positions, scores, _spec.SubsetSize, _spec.W, _spec.Compat);
        var omega = SeqKSubsetsMap.RegularizerOf(_spec, solution.Marginals, SequentialKSubsets.ExpectedPairs(solution, positions), _job.Bank.Rows);
        SetExplicit(sq, cands, solution.Marginals, omega);
    }

    /// <summary>Weights known on the coordinator: read out locally when the rows of the support came along, else an explicit readout round.</summary>
    private void SetExplicit(StepQuery sq, List<Candidate> cands, double[] p, double? omega = null)
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
        sq.Omega = omega ?? _map!.Regularizer(sq.ExplicitWeights);
        if (sq.Final)
        {
            // p at q_T, and its readout only for the energy at q_T.
            SetPairs(sq, ids.Zip(weights).Select(x => (x.First, x.Second)).ToList());
            if (!_energy) return;
        }

        if (rowsAll)
        {
            var z = new double[_dim];
            for (var t = 0; t < ids.Count; t++) Hfy.Kernels.Scoring.Readout.AddScaled(rows[t].Span, weights[t], z);
            sq.Z = z;
        }
        else
        {
            sq.Readout = ReadoutMode.Explicit;
        }
    }

    /// <summary>
    /// The final weights: at most <see cref="RetrievalSettings.MaxSupportPairs"/> (the largest), ids ascending, and the
    /// true support size <paramref name="support"/> (default: every pair given).
    /// </summary>
    private void SetPairs(StepQuery sq, List<(long Id, double W)> pairs, long? support = null)
    {
        sq.SupportSize = support ?? pairs.Count;
        var cap = _job.Settings.MaxSupportPairs;
        IEnumerable<(long Id, double W)> kept = pairs.Count > cap ? pairs.OrderByDescending(x => x.W).Take(cap) : pairs;
        var sorted = kept.OrderBy(x => x.Id).ToArray();
        sq.Ids = sorted.Select(x => x.Id).ToArray();
        sq.Weights = sorted.Select(x => x.W).ToArray();
    }

    // ---- gather (sequential k-subsets) -------------------------------------------------------------------

    private GatherState? _gather;

    private void StartGather()
    {
        var bounds = _active.Select(q => q.GatherBound ?? double.PositiveInfinity).ToArray();
        _gather = new GatherState(_job.Partitions);
        StartRound(
            "gather",
            (p, round) => new GatherRequest(Address(p), _job.RequestId, _step, round, bounds, _limits.GatherCap, _job.Settings.MaxMessageBytes),
            OnGather);
        Become(Gathering);
    }

    private void Gathering()
    {
        Common();
        Receive<GatherReply>(OnGatherChunk);
    }

    /// <summary>
    /// One chunk of a partition's gather answer (partitions push all their chunks for one request: still one round
    /// trip). The partition's reply counts as received once every chunk is in; a duplicate chunk (after a re-send)
    /// is dropped. Every arriving chunk restarts the round's re-send timer: a long stream is progress, not silence.
    /// </summary>
    private void OnGatherChunk(GatherReply r)
    {
        var round = _round;
        var g = _gather;
        if (r.RequestId != _job.RequestId || round is null || g is null || r.Round != round.Number || !round.Pending.Contains(r.Partition)) return;
        if (r.Chunks < 1 || r.Chunk < 0 || r.Chunk >= r.Chunks)
        {
            Fail($"gather: partition {r.Partition} sent chunk {r.Chunk} of {r.Chunks}");
            return;
        }

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
                    $"sequential k-subsets: the gather round needs at least {g.Pairs:N0} (row id, score) pairs for {_active.Length} queries ({reported} of {_job.Partitions} partitions reported; up to {_job.Bank.Rows * _active.Length:N0} when every row is a candidate), beyond MaxGatherPairs = {_job.Settings.MaxGatherPairs:N0} held on the coordinator; use smaller batches, a larger β, or raise MaxGatherPairs"));
                return;
            }
        }

        if (chunks[r.Chunk] is not null) return;
        chunks[r.Chunk] = r;
        g.Bytes[r.Partition] += HfySerializer.SizeOf(r);
        Timers.StartSingleTimer("round", new RoundTimeout(round.Number, 0), _job.Settings.RoundTimeout);
        if (++g.Received[r.Partition] < r.Chunks) return;
        Accept(r.RequestId, r.Round, r.Partition, Array.ConvertAll(chunks, c => c!), g.Bytes[r.Partition]);
    }

    private void OnGather(object[] replies)
    {
        var parts = replies.Cast<GatherReply[]>().ToArray();
        _gather = null;
        var queries = Enumerable.Range(0, _active.Length).Where(b => _active[b].GatherBound is not null).ToArray();
        if (queries.Any(b => parts.Any(chunks => chunks.Any(c => !c.Queries[b].Complete))))
        {
            Fail($"sequential k-subsets: more than {_limits.GatherCap} candidates per partition above θ_(k) − margin; raise GatherCap or β");
            return;
        }

        // The queries' SparseMAP solves are independent (in the dense regime each runs on all N rows): in parallel on
        // every core (heartbeats and remoting have threads of their own, HfyConfig), each assembling its own pairs so
        // at most that many copies are alive.
        var support = new (List<Candidate> Cands, double[] P, double Omega)[queries.Length];
        var degree = Environment.ProcessorCount;
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = degree }, i =>
        {
            var (positions, scores, _) = GatherChunks.Assemble(parts, queries[i]);
            support[i] = SolveGathered(positions, scores);
        });
        for (var i = 0; i < queries.Length; i++)
        {
            var sq = _active[queries[i]];
            sq.GatherBound = null;
            SetExplicit(sq, support[i].Cands, support[i].P, support[i].Omega);
        }

        ContinueStep();
    }

    /// <summary>The SparseMAP solve on the gathered candidates (ids ascending as gathered): the rows with μ_i &gt; 0 and μ.</summary>
    private (List<Candidate> Cands, double[] P, double Omega) SolveGathered(long[] positions, double[] scores)
    {
        var solution = SequentialKSubsets.Solve(positions, scores, _spec.SubsetSize, _spec.W, _spec.Compat);
        var support = new List<Candidate>();
        var weights = new List<double>();
        for (var t = 0; t < positions.Length; t++)
        {
            if (!(solution.Marginals[t] > 0)) continue;
            support.Add(new Candidate(positions[t], scores[t], default));
            weights.Add(solution.Marginals[t]);
        }

        var omega = SeqKSubsetsMap.RegularizerOf(_spec, solution.Marginals, SequentialKSubsets.ExpectedPairs(solution, positions), _job.Bank.Rows);
        return (support, [.. weights], omega);
    }

    /// <summary>Chunks of the gather round in flight, per partition.</summary>
    private sealed class GatherState(int partitions)
    {
        public GatherReply?[]?[] Chunks { get; } = new GatherReply?[]?[partitions];

        public int[] Received { get; } = new int[partitions];

        public long[] Reported { get; } = new long[partitions];

        public long[] Bytes { get; } = new long[partitions];

        /// <summary>Pairs announced by the partitions heard from so far.</summary>
        public long Pairs { get; set; }
    }

    // ---- probe rounds (dense regimes) --------------------------------------------------------------------

    private void StartProbe()
    {
        if (++_probeRounds > _job.Settings.MaxProbeRounds)
        {
            Fail($"threshold search did not converge in {_job.Settings.MaxProbeRounds} probe rounds");
            return;
        }

        var taus = _active.Select(q => q.Search is { IsDone: false } s ? s.NextProbes() : []).ToArray();
        StartRound("probe", (p, round) => new ProbeRequest(Address(p), _job.RequestId, _step, round, _spec, taus), r => OnProbe(r, taus));
        Become(Probing);
    }

    private void Probing()
    {
        Common();
        Receive<ProbeReply>(r => Accept(r.RequestId, r.Round, r.Partition, r));
    }

    private void OnProbe(object[] replies, double[][] taus)
    {
        var parts = replies.Cast<ProbeReply>().ToArray();
        for (var b = 0; b < _active.Length; b++)
        {
            var sq = _active[b];
            if (taus[b].Length == 0 || sq.Search is null) continue;
            var summed = new MassSummary[taus[b].Length];
            foreach (var r in parts)
            {
                for (var t = 0; t < summed.Length; t++) summed[t] += r.Sums[b][t];
            }

            sq.Search.Absorb(summed);
        }

        ContinueStep();
    }

    // ---- readout ----------------------------------------------------------------------------------------

    private void StartReadout()
    {
        var modes = _active.Select(q => (int)q.Readout).ToArray();
        var taus = _active.Select(q => q.Readout == ReadoutMode.Threshold ? q.Search!.Tau : 0.0).ToArray();

        // Explicit weights go only to the partition that holds the row.
        var ids = new long[_job.Partitions][][];
        var weights = new double[_job.Partitions][][];
        for (var p = 0; p < _job.Partitions; p++)
        {
            ids[p] = new long[_active.Length][];
            weights[p] = new double[_active.Length][];
        }

        for (var b = 0; b < _active.Length; b++)
        {
            var sq = _active[b];
            var byPart = new List<(long, double)>[_job.Partitions];
            if (sq.Readout == ReadoutMode.Explicit)
            {
                for (var t = 0; t < sq.ExplicitIds!.Length; t++)
                {
                    var p = PartitionOf(sq.ExplicitIds[t]);
                    (byPart[p] ??= []).Add((sq.ExplicitIds[t], sq.ExplicitWeights![t]));
                }
            }

            for (var p = 0; p < _job.Partitions; p++)
            {
                ids[p][b] = byPart[p]?.Select(x => x.Item1).ToArray() ?? [];
                weights[p][b] = byPart[p]?.Select(x => x.Item2).ToArray() ?? [];
            }
        }

        var pairCaps = _active.Select(q => q.Final ? _limits.PairCap : 0).ToArray();
        StartRound(
            "readout",
            (p, round) => new ReadoutRequest(Address(p), _job.RequestId, _step, round, _spec, modes, taus, ids[p], weights[p], pairCaps),
            OnReadout);
        Become(Reading);
    }

    private void Reading()
    {
        Common();
        Receive<ReadoutReply>(r => Accept(r.RequestId, r.Round, r.Partition, r));
    }

    private void OnReadout(object[] replies)
    {
        var parts = replies.Cast<ReadoutReply>().ToArray();
        var normalize = _map is IThresholdMap { WeightsNeedNormalizing: true };
        for (var b = 0; b < _active.Length; b++)
        {
            var sq = _active[b];
            var mode = sq.Readout;
            if (mode == ReadoutMode.Skip) continue;
            var z = new double[_dim];
            double total = 0;
            foreach (var r in parts)
            {
                var q = r.Queries[b];
                total += q.WeightSum;
                for (var j = 0; j < _dim; j++) z[j] += q.Readout[j];
            }

            var scale = sq.Readout == ReadoutMode.Threshold && normalize ? 1.0 / total : 1.0;
            for (var j = 0; j < _dim; j++) z[j] *= scale;
            sq.Z = z;
            if (mode == ReadoutMode.Threshold && _map is IThresholdMap tmap)
            {
                sq.Omega = tmap.RegularizerFromSums(parts.Sum(r => r.Queries[b].RegularizerSum), total);
            }

            // Explicit weights (and the pairs) were set on the coordinator already.
            if (sq.Final && mode == ReadoutMode.Threshold)
            {
                SetPairs(
                    sq, parts.SelectMany(r => r.Queries[b].PairIds.Select((id, t) => (id, r.Queries[b].PairWeights[t] * scale))).ToList(),
                    parts.Sum(r => r.Queries[b].Count));
            }

            sq.Readout = ReadoutMode.Skip;
            sq.ReadoutDone = true;
        }

        ContinueStep();
    }

    // ---- support count (softmax final evaluation, when the pairs cannot decide it) ------------------------

    private void StartSupportCount()
    {
        var shifts = _active.Select(q => q.CountShift ?? double.NaN).ToArray();
        var totals = _active.Select(q => q.CountShift is null ? 1.0 : q.CountTotal).ToArray();
        StartRound("support count", (p, round) => new SupportCountRequest(Address(p), _job.RequestId, _step, round, shifts, totals), OnSupportCount);
        Become(Counting);
    }

    private void Counting()
    {
        Common();
        Receive<SupportCountReply>(r => Accept(r.RequestId, r.Round, r.Partition, r));
    }

    private void OnSupportCount(object[] replies)
    {
        var parts = replies.Cast<SupportCountReply>().ToArray();
        for (var b = 0; b < _active.Length; b++)
        {
            var sq = _active[b];
            if (sq.CountShift is null) continue;
            sq.SupportSize = parts.Sum(r => r.Counts[b]);
            sq.CountShift = null;
        }

        ContinueStep();
    }

    // ---- state ------------------------------------------------------------------------------------------

    private readonly record struct Candidate(long Id, double Score, ReadOnlyMemory<float> Row);

    /// <summary>A query across steps.</summary>
    private sealed class QueryState(double[] q)
    {
        public double[] Q { get; set; } = q;

        /// <summary>‖q_{t+1} − q_t‖ ≤ Tol: the next scoring is the final evaluation.</summary>
        public bool Converged { get; set; }

        public bool Done { get; set; }

        public long? Retrieved { get; set; }

        public int Steps { get; set; }

        public long[] Ids { get; set; } = [];

        public double[] Weights { get; set; } = [];

        /// <summary>Rows with p_i &gt; 0 at the final evaluation (Ids may list only the largest).</summary>
        public long SupportSize { get; set; }

        /// <summary>E(q_0) … E(q_T), as <see cref="HfyDynamics.EnergyFromReadout(RetrievalOptions, double, ReadOnlySpan{double}, ReadOnlySpan{double})"/> gives them.</summary>
        public List<double> Energy { get; } = [];
    }

    /// <summary>A query within the current step.</summary>
    private sealed class StepQuery(QueryState state, bool final)
    {
        public QueryState State { get; } = state;

        /// <summary>This scoring evaluates p at the final state q_T (weights wanted, no update).</summary>
        public bool Final { get; } = final;

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
