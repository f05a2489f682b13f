using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// Fused batched scoring: one pass over a pattern store scores B queries in cache-sized tiles and reduces each tile at
/// once into what a retrieval step needs (max, k-th largest, online-softmax triple, candidates above a support bound);
/// the B × N score matrix is never written.
/// </summary>
/// <remarks>
/// <para>Tiles: a tile is a run of panels of 32 rows (AVX-512; 16 with AVX2) that the store packs dimension-major
/// (<see cref="IPatternStore.PackPanel"/>: resident rows are transposed, half / bit-packed rows decoded, procedural rows
/// generated straight into the panel), ≤ 128 KiB so it stays in L2. The register-blocked microkernel of
/// <see cref="Scorer.ScoreBatch"/> scores every 6-query group against every panel into a B × T float32 tile
/// (also in L2), which is reduced per query before the next tile. Scores are bit-identical to
/// <see cref="Scorer.ScoreBatch"/>'s.</para>
/// <para>Parallelism and determinism: the store is split into at most 64 contiguous chunks (the number depends only
/// on N and D), chunks run on all cores, and the per-chunk states are merged in chunk order, so results do not depend
/// on scheduling. Sums (Z, r) accumulate in float64.</para>
/// <para>Candidates: rows are kept when θ &gt; bound at the time they are scored, where the bound uses the running
/// reference (max or k-th largest) of the chunk; the running bound never exceeds the final one, so no row above the
/// final bound is missed. A chunk that holds more than the cap after pruning keeps the cap largest and remembers the
/// largest score it dropped; the cap is reported hit exactly when some dropped score, or more than cap kept ones,
/// lie above the final bound.</para>
/// </remarks>
public static class FusedScorer
{
    private const int MaxChunks = 64;
    private const int TileBytes = 128 * 1024;

    /// <summary>Runs one fused pass of <paramref name="batch"/> queries (row-major batch × Dim) over <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a K is &lt; 1, the cap is &lt; 1, or the tolerance is negative.</exception>
    public static IReadOnlyList<FusedQueryResult> Run(IPatternStore store, ReadOnlySpan<float> queries, int batch, FusedScoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        var dim = store.Dim;
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 1");
        if ((long)batch * dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * dim}", nameof(queries));
        if (request.Queries.Count != batch)
            throw new ArgumentException($"request.Queries has {request.Queries.Count} entries, expected one per query ({batch})", nameof(request));
        if (request.CandidateCap < 1) throw new ArgumentException($"request.CandidateCap: must be ≥ 1 (got {request.CandidateCap})", nameof(request));
        if (!(request.SoftmaxTolerance >= 0)) throw new ArgumentException($"request.SoftmaxTolerance: must be ≥ 0 (got {request.SoftmaxTolerance})", nameof(request));
        foreach (var q in request.Queries)
        {
            ArgumentNullException.ThrowIfNull(q, nameof(request));
            if (q.K < 1) throw new ArgumentException($"request.Queries: K must be ≥ 1 (got {q.K})", nameof(request));
            if (q.Margin is { } m && !(m >= 0)) throw new ArgumentException($"request.Queries: Margin must be ≥ 0 (got {m})", nameof(request));
        }

        var pass = new Pass(store, queries, batch, request);
        pass.Execute();
        return pass.Finish();
    }

    /// <summary>
    /// <see cref="Run"/>, then for every query whose cap was hit a second pass with its (now known, exact) bound fixed
    /// and the cap raised 16-fold until the candidate set is complete: the returned candidates are exact.
    /// </summary>
    public static IReadOnlyList<FusedQueryResult> RunExact(IPatternStore store, ReadOnlySpan<float> queries, int batch, FusedScoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var results = Run(store, queries, batch, request).ToArray();
        var cap = request.CandidateCap;
        while (true)
        {
            var hit = Enumerable.Range(0, batch).Where(b => results[b].CapHit).ToArray();
            if (hit.Length == 0) return results;
            cap = (int)Math.Min(int.MaxValue, cap * 16L);
            var sub = new float[hit.Length * store.Dim];
            for (var j = 0; j < hit.Length; j++) queries.Slice(hit[j] * store.Dim, store.Dim).CopyTo(sub.AsSpan(j * store.Dim));
            var reductions = hit.Select(b => new QueryReduction(FixedBound: results[b].Bound)).ToArray();
            var second = Run(store, sub, hit.Length, new FusedScoreRequest(request.Beta, reductions, cap, request.SoftmaxTolerance));
            for (var j = 0; j < hit.Length; j++)
            {
                var first = results[hit[j]];
                results[hit[j]] = new FusedQueryResult
                {
                    Max = first.Max,
                    Reference = first.Reference,
                    Softmax = first.Softmax,
                    Bound = first.Bound,
                    Ids = second[j].Ids,
                    Scores = second[j].Scores,
                    CapHit = second[j].CapHit,
                };
            }
        }
    }

    /// <summary>
    /// Scores rows [first, first + count) of any store for a batch of queries into scores[b · count + i] = β x_{first+i}ᵀq_b
    /// (the same microkernel and the same bits as the fused pass; for tests and unfused callers).
    /// </summary>
    public static unsafe void ScoreTile(IPatternStore store, long first, int count, ReadOnlySpan<float> queries, int batch, double beta, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dim = store.Dim;
        PatternStores.CheckRange(store, first, count, int.MaxValue, 0);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 1");
        if ((long)batch * dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * dim}", nameof(queries));
        if ((long)batch * count != scores.Length)
            throw new ArgumentException($"scores has length {scores.Length}, expected batch × count = {(long)batch * count}", nameof(scores));
        var wide = Vector512.IsHardwareAccelerated;
        var mr = wide ? 32 : 16;
        var nr = Scorer.Nr;
        var groups = (batch + nr - 1) / nr;
        var padded = new float[groups * nr * dim];
        queries.CopyTo(padded);
        var pack = new float[mr * dim];
        var acc = new double[mr * nr * 2];
        var tileOut = new float[nr * mr];
        fixed (float* qp = padded)
        fixed (float* pk = pack)
        fixed (double* tile = acc)
        fixed (float* ot = tileOut)
        fixed (float* s = scores)
        {
            for (var r0 = 0; r0 < count; r0 += mr)
            {
                var valid = Math.Min(mr, count - r0);
                store.PackPanel(first + r0, valid, mr, pack);
                for (var g = 0; g < groups; g++)
                {
                    var qn = Math.Min(nr, batch - g * nr);
                    if (wide) Scorer.Micro512(pk, qp + (long)g * nr * dim, dim, mr, qn, (float)beta, beta, ot, tile);
                    else Scorer.Micro256(pk, qp + (long)g * nr * dim, dim, mr, qn, (float)beta, beta, ot, tile);
                    for (var j = 0; j < qn; j++)
                    {
                        for (var r = 0; r < valid; r++) s[(long)(g * nr + j) * count + r0 + r] = ot[j * mr + r];
                    }
                }
            }
        }
    }

    /// <summary>The largest float f with f ≤ bound, so that (float)θ &gt; f ⟺ (double)θ &gt; bound.</summary>
    internal static float FloorFloat(double bound)
    {
        if (double.IsNaN(bound)) return float.NaN;
        var f = (float)bound;
        return f > bound ? MathF.BitDecrement(f) : f;
    }

    /// <summary>One chunk's state for one query.</summary>
    private sealed class QueryState(int dim, double hint)
    {
        public double Max = hint;
        public PriorityQueue<float, float>? Top;
        public double SoftM = hint;
        public double SoftZ;
        public readonly double[] SoftR = new double[dim];
        public readonly List<long> Ids = [];
        public readonly List<float> Scores = [];
        public float DroppedMax = float.NegativeInfinity;
    }

    private sealed unsafe class Pass
    {
        private readonly IPatternStore _store;
        private readonly float[] _queries;
        private readonly int _batch;
        private readonly int _dim;
        private readonly FusedScoreRequest _request;
        private readonly QueryReduction[] _q;
        private readonly bool _wide;
        private readonly int _mr;
        private readonly int _groups;
        private readonly int _tileRows;
        private readonly long _tiles;
        private readonly int _chunks;
        private readonly QueryState[][] _states;
        private readonly double _cutoff;
        private readonly int _pruneAt;

        public Pass(IPatternStore store, ReadOnlySpan<float> queries, int batch, FusedScoreRequest request)
        {
            _store = store;
            _batch = batch;
            _dim = store.Dim;
            _request = request;
            _q = request.Queries.ToArray();
            _wide = Vector512.IsHardwareAccelerated;
            _mr = _wide ? 32 : 16;
            _groups = (batch + Scorer.Nr - 1) / Scorer.Nr;
            _queries = GC.AllocateArray<float>(_groups * Scorer.Nr * _dim, pinned: true);
            queries.CopyTo(_queries);
            var panelsPerTile = Math.Clamp(TileBytes / (_mr * _dim * sizeof(float)), 1, 16);
            _tileRows = panelsPerTile * _mr;
            _tiles = (store.Rows + _tileRows - 1) / _tileRows;
            _chunks = (int)Math.Min(_tiles, MaxChunks);
            _states = new QueryState[_chunks][];
            // Rows with θ − m below −cutoff add less than ε/N each (or exactly 0 in float64 beyond −746).
            _cutoff = request.SoftmaxTolerance > 0 && store.Rows > 0
                ? Math.Min(746, -Math.Log(request.SoftmaxTolerance / store.Rows))
                : 746;
            _pruneAt = (int)Math.Min(int.MaxValue, Math.Max(2L * request.CandidateCap, 256));
        }

        public void Execute()
        {
            if (_chunks == 0) return;
            if (_chunks == 1 || Environment.ProcessorCount == 1) for (var c = 0; c < _chunks; c++) RunChunk(c);
            else Parallel.For(0, _chunks, RunChunk);
        }

        private void RunChunk(int chunk)
        {
            var states = new QueryState[_batch];
            for (var b = 0; b < _batch; b++)
            {
                states[b] = new QueryState(_q[b].Softmax ? _dim : 0, _q[b].MaxHint);
                if (_q[b].K > 1) states[b].Top = new PriorityQueue<float, float>(_q[b].K + 1);
            }
            _states[chunk] = states;
            var firstTile = _tiles * chunk / _chunks;
            var endTile = _tiles * (chunk + 1) / _chunks;
            var pack = GC.AllocateUninitializedArray<float>(_tileRows * _dim, pinned: true);
            var scores = GC.AllocateUninitializedArray<float>(_groups * Scorer.Nr * _tileRows, pinned: true);
            var acc = GC.AllocateUninitializedArray<double>(_mr * Scorer.Nr * 2, pinned: true);
            var hits = new List<int>();
            var beta = _request.Beta;
            fixed (float* pk = pack)
            fixed (float* sc = scores)
            fixed (float* qp = _queries)
            fixed (double* tile = acc)
            {
                for (var t = firstTile; t < endTile; t++)
                {
                    var first = t * _tileRows;
                    var rows = (int)Math.Min(_tileRows, _store.Rows - first);
                    var panels = (rows + _mr - 1) / _mr;
                    for (var p = 0; p < panels; p++)
                    {
                        var valid = Math.Min(_mr, rows - p * _mr);
                        _store.PackPanel(first + p * _mr, valid, _mr, new Span<float>(pk + (long)p * _mr * _dim, _mr * _dim));
                    }
                    for (var g = 0; g < _groups; g++)
                    {
                        var qg = qp + (long)g * Scorer.Nr * _dim;
                        var qn = Math.Min(Scorer.Nr, _batch - g * Scorer.Nr);
                        var outG = sc + (long)g * Scorer.Nr * _tileRows;
                        for (var p = 0; p < panels; p++)
                        {
                            var panel = pk + (long)p * _mr * _dim;
                            if (_wide) Scorer.Micro512(panel, qg, _dim, _tileRows, qn, (float)beta, beta, outG + p * _mr, tile);
                            else Scorer.Micro256(panel, qg, _dim, _tileRows, qn, (float)beta, beta, outG + p * _mr, tile);
                        }
                    }
                    for (var b = 0; b < _batch; b++)
                    {
                        Reduce(new ReadOnlySpan<float>(sc + (long)b * _tileRows, rows), first, pk, states[b], _q[b], hits);
                    }
                }
            }
        }

        /// <summary>Folds one tile of one query's scores into its chunk state.</summary>
        private void Reduce(ReadOnlySpan<float> s, long firstRow, float* pack, QueryState st, QueryReduction q, List<int> hits)
        {
            var tileMax = (double)System.Numerics.Tensors.TensorPrimitives.Max(s);
            if (tileMax > st.Max) st.Max = tileMax;
            var reference = st.Max;
            if (st.Top is { } top)
            {
                var k = q.K;
                var i0 = 0;
                for (; i0 < s.Length && top.Count < k; i0++) top.Enqueue(s[i0], s[i0]);
                if (top.Count == k)
                {
                    hits.Clear();
                    Candidates.Above(s[i0..], top.Peek(), hits);
                    foreach (var h in hits)
                    {
                        var v = s[i0 + h];
                        if (v > top.Peek()) top.EnqueueDequeue(v, v);
                    }
                }
                reference = top.Count == k ? top.Peek() : double.NegativeInfinity;
            }
            if (q.CollectsCandidates)
            {
                var bound = BoundOf(q, reference);
                hits.Clear();
                Candidates.Above(s, FloorFloat(bound), hits);
                foreach (var h in hits)
                {
                    st.Ids.Add(firstRow + h);
                    st.Scores.Add(s[h]);
                }
                if (st.Ids.Count >= _pruneAt) Prune(st, bound, _request.CandidateCap);
            }
            if (q.Softmax && tileMax > double.NegativeInfinity)
            {
                if (tileMax > st.SoftM)
                {
                    var scale = Math.Exp(st.SoftM - tileMax);
                    st.SoftZ *= scale;
                    for (var k = 0; k < _dim; k++) st.SoftR[k] *= scale;
                    st.SoftM = tileMax;
                }
                hits.Clear();
                Candidates.Above(s, FloorFloat(st.SoftM - _cutoff), hits);
                fixed (double* r = st.SoftR)
                {
                    foreach (var h in hits)
                    {
                        var w = Math.Exp(s[h] - st.SoftM);
                        st.SoftZ += w;
                        var x = pack + (long)(h / _mr) * _mr * _dim + h % _mr;
                        for (var k = 0; k < _dim; k++) r[k] += w * x[(long)k * _mr];
                    }
                }
            }
        }

        private static double BoundOf(QueryReduction q, double reference) =>
            q.Margin is { } m ? Math.Max(q.FixedBound, reference - m) : q.FixedBound;

        /// <summary>Drops candidates at or below the bound; above the cap keeps the cap largest (ties: lower id).</summary>
        private static void Prune(QueryState st, double bound, int cap)
        {
            var keep = 0;
            for (var i = 0; i < st.Ids.Count; i++)
            {
                if (st.Scores[i] > bound)
                {
                    st.Ids[keep] = st.Ids[i];
                    st.Scores[keep] = st.Scores[i];
                    keep++;
                }
            }
            st.Ids.RemoveRange(keep, st.Ids.Count - keep);
            st.Scores.RemoveRange(keep, st.Scores.Count - keep);
            if (keep <= cap) return;
            var order = Enumerable.Range(0, keep).OrderByDescending(i => st.Scores[i]).ThenBy(i => st.Ids[i]).ToArray();
            st.DroppedMax = Math.Max(st.DroppedMax, st.Scores[order[cap]]);
            var ids = order.Take(cap).OrderBy(i => st.Ids[i]).Select(i => st.Ids[i]).ToArray();
            var scores = order.Take(cap).OrderBy(i => st.Ids[i]).Select(i => st.Scores[i]).ToArray();
            st.Ids.Clear();
            st.Ids.AddRange(ids);
            st.Scores.Clear();
            st.Scores.AddRange(scores);
        }

        public IReadOnlyList<FusedQueryResult> Finish()
        {
            var results = new FusedQueryResult[_batch];
            for (var b = 0; b < _batch; b++)
            {
                var q = _q[b];
                var max = q.MaxHint;
                foreach (var c in _states) max = Math.Max(max, c[b].Max);
                var reference = max;
                if (q.K > 1)
                {
                    var all = _states.SelectMany(c => c[b].Top!.UnorderedItems.Select(e => e.Element)).OrderByDescending(v => v).ToArray();
                    reference = all.Length >= q.K ? all[q.K - 1] : double.NegativeInfinity;
                }
                OnlineSoftmaxState? soft = null;
                if (q.Softmax)
                {
                    var merged = OnlineSoftmaxState.Empty(_dim);
                    foreach (var c in _states)
                    {
                        var st = c[b];
                        if (st.SoftZ > 0) merged = merged.Merge(new OnlineSoftmaxState(st.SoftM, st.SoftZ, st.SoftR));
                    }
                    soft = merged;
                }
                var bound = q.CollectsCandidates ? BoundOf(q, reference) : double.PositiveInfinity;
                long[] ids = [];
                float[] scores = [];
                var capHit = false;
                if (q.CollectsCandidates)
                {
                    var merged = new QueryState(0, double.NegativeInfinity);
                    foreach (var c in _states)
                    {
                        var st = c[b];
                        if (st.DroppedMax > bound) capHit = true;
                        merged.Ids.AddRange(st.Ids);
                        merged.Scores.AddRange(st.Scores);
                    }
                    Prune(merged, bound, _request.CandidateCap);
                    capHit |= merged.DroppedMax > bound;
                    ids = [.. merged.Ids];
                    scores = [.. merged.Scores];
                }
                results[b] = new FusedQueryResult
                {
                    Max = max,
                    Reference = reference,
                    Softmax = soft,
                    Bound = bound,
                    Ids = ids,
                    Scores = scores,
                    CapHit = capHit,
                };
            }
            return results;
        }
    }
}
