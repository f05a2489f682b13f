using System.Numerics;
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
/// <para>Tiles: a tile is a run of rows (a multiple of 6, ≤ 96 KiB of float32, so it stays in L2) that the store hands
/// over row-major (<see cref="IPatternStore.Tile"/>: resident and mapped float32 rows in place, half / bit-packed rows
/// decoded, procedural rows generated into a per-thread buffer). The queries are packed once, dimension-major with one
/// query per SIMD lane; the microkernel (<see cref="FusedKernels"/>) keeps 6 rows × 64 queries of accumulators in
/// registers (AVX-512; 6 × 16 with AVX2) and writes a T × B float32 score tile (in L2) plus each query's tile max,
/// and the tile is reduced per query before the next one. Scores are bit-identical to <see cref="Scorer.ScoreBatch"/>'s
/// (same float32 FMA chain over k for D ≤ <see cref="Scorer.Float32DotLimit"/>; longer rows sum blocks in float64 as it does).</para>
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
    private const int TileBytes = 96 * 1024;

    /// <summary>Runs one fused pass of <paramref name="batch"/> queries (row-major batch × Dim) over <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a K is &lt; 1, the cap is &lt; 1, or the tolerance is negative.</exception>
    public static IReadOnlyList<FusedQueryResult> Run(IPatternStore store, ReadOnlySpan<float> queries, int batch, FusedScoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckBatch(store, queries, batch);
        if (request.Queries.Count != batch)
            throw new ArgumentException($"request.Queries has {request.Queries.Count} entries, expected one per query ({batch})", nameof(request));
        if (request.CandidateCap < 1) throw new ArgumentException($"request.CandidateCap: must be ≥ 1 (got {request.CandidateCap})", nameof(request));
        if (!(request.SoftmaxTolerance >= 0)) throw new ArgumentException($"request.SoftmaxTolerance: must be ≥ 0 (got {request.SoftmaxTolerance})", nameof(request));
        // One map instance per distinct Tighten spec: validated here, solved by the pass (under its own lock only).
        var tighten = new Dictionary<MapSpec, IThresholdMap?>();
        foreach (var q in request.Queries)
        {
            ArgumentNullException.ThrowIfNull(q, nameof(request));
            if (q.K < 1) throw new ArgumentException($"request.Queries: K must be ≥ 1 (got {q.K})", nameof(request));
            if (q.Tighten is { } t)
            {
                if (!tighten.TryGetValue(t, out var map)) tighten[t] = map = MapFactory.Create(t) as IThresholdMap;
                if (q.K != 1 || QueryReduction.TightenSpec(map) is null)
                    throw new ArgumentException($"request.Queries: Tighten needs K = 1 and a threshold map of anchor rank 1 (got K = {q.K}, map {t.Label})", nameof(request));
            }

            if (q.Margin is { } m && !(m >= 0)) throw new ArgumentException($"request.Queries: Margin must be ≥ 0 (got {m})", nameof(request));
        }

        var pass = new Pass(store, queries, batch, request, tighten);
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
                    Min = first.Min,
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
        if (count == 0) return;
        var packed = new PackedQueries(queries, batch, dim);
        var sc = new float[count * packed.Stride];
        var scratch = new float[count * dim];
        var tail = new float[FusedKernels.Mr * (dim + packed.Stride)];
        fixed (float* sp = sc)
        fixed (float* tp = tail)
        fixed (float* o = scores)
        {
            var view = store.Tile(first, count, scratch);
            fixed (float* x = view)
            {
                packed.Score(x, count, beta, sp, null, tp);
            }
            for (var r = 0; r < count; r++)
            {
                for (var b = 0; b < batch; b++) o[(long)b * count + r] = sp[(long)r * packed.Stride + b];
            }
        }
    }

    /// <summary>A tile visitor of <see cref="ScanTiles{TState}"/>.</summary>
    /// <param name="state">The chunk's state (one per chunk; chunks run on different cores).</param>
    /// <param name="firstRow">Store row of the tile's first row.</param>
    /// <param name="rows">Rows in the tile.</param>
    /// <param name="tile">The tile's rows, row-major (rows × Dim float32, as scored).</param>
    /// <param name="scores">scores[b · rows + i] = β x_{firstRow+i}ᵀq_b (float32, the fused pass's bits).</param>
    public delegate void TileVisitor<in TState>(TState state, long firstRow, int rows, ReadOnlySpan<float> tile, ReadOnlySpan<float> scores);

    /// <summary>
    /// One pass over <paramref name="store"/> in the fused pass's tiles and chunks: every tile is scored for the batch
    /// (the same microkernel and bits as <see cref="Run"/>) and handed to <paramref name="visit"/> with the chunk's
    /// state; the B × N score matrix is never written. The rounds of a step that need the scores again (probes,
    /// threshold readouts, support counts, gathers) run as such passes.
    /// </summary>
    /// <returns>The chunk states in row order (the chunking depends only on N and D, so merging them in this order is deterministic).</returns>
    public static TState[] ScanTiles<TState>(IPatternStore store, ReadOnlySpan<float> queries, int batch, double beta, Func<TState> create, TileVisitor<TState> visit)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(visit);
        // The row-major pass, each tile transposed to query-major for the visitor (a per-chunk buffer).
        var chunks = ScanTilesRowMajor(store, queries, batch, beta, () => (State: create(), ByQuery: new List<float>()), (chunk, first, rows, tile, scores, stride) =>
        {
            var byQuery = chunk.ByQuery;
            CollectionsMarshal.SetCount(byQuery, rows * batch);
            var t = CollectionsMarshal.AsSpan(byQuery);
            for (var r = 0; r < rows; r++)
            {
                for (var b = 0; b < batch; b++) t[(b * rows) + r] = scores[(r * stride) + b];
            }
            visit(chunk.State, first, rows, tile, t);
        });
        return chunks.Select(c => c.State).ToArray();
    }

    /// <summary>A tile visitor of <see cref="ScanTilesRowMajor{TState}"/>: the score tile as scored, row-major with one lane per query.</summary>
    /// <param name="state">The chunk's state (one per chunk; chunks run on different cores).</param>
    /// <param name="firstRow">Store row of the tile's first row.</param>
    /// <param name="rows">Rows in the tile.</param>
    /// <param name="tile">The tile's rows, row-major (rows × Dim float32, as scored).</param>
    /// <param name="scores">scores[i · stride + b] = β x_{firstRow+i}ᵀq_b for b &lt; batch (lanes b ≥ batch are padding).</param>
    /// <param name="stride">Lanes per row of <paramref name="scores"/>: the batch padded to whole vectors (a multiple of 8).</param>
    public delegate void RowMajorTileVisitor<in TState>(TState state, long firstRow, int rows, ReadOnlySpan<float> tile, ReadOnlySpan<float> scores, int stride);

    /// <summary>
    /// <see cref="ScanTiles{TState}"/> without the transposition: the visitor sees each score tile row-major (one lane per
    /// query), so a per-query filter can compare whole vectors of queries at once.
    /// </summary>
    /// <returns>The chunk states in row order.</returns>
    public static unsafe TState[] ScanTilesRowMajor<TState>(IPatternStore store, ReadOnlySpan<float> queries, int batch, double beta, Func<TState> create, RowMajorTileVisitor<TState> visit)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(visit);
        CheckBatch(store, queries, batch);
        var dim = store.Dim;
        var packed = new PackedQueries(queries, batch, dim);
        var (tileRows, tiles, chunks) = Geometry(store);
        var states = new TState[chunks];
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void RunChunk(int chunk)
        {
            var state = create();
            states[chunk] = state;
            var stride = packed.Stride;
            var scratch = TileBuffers.Floats(tileRows * dim);
            var sc = TileBuffers.Floats(tileRows * stride);
            var tail = TileBuffers.Floats(FusedKernels.Mr * (dim + stride));
            var firstTile = tiles * chunk / chunks;
            var endTile = tiles * (chunk + 1) / chunks;
            for (var t = firstTile; t < endTile; t++)
            {
                var first = t * tileRows;
                var rows = (int)Math.Min(tileRows, store.Rows - first);
                var view = store.Tile(first, rows, scratch);
                fixed (float* x = view)
                fixed (float* sp = sc)
                fixed (float* tp = tail)
                {
                    packed.Score(x, rows, beta, sp, null, tp);
                }
                visit(state, first, rows, view, sc.AsSpan(0, rows * stride), stride);
            }
            TileBuffers.Return(scratch);
            TileBuffers.Return(sc);
            TileBuffers.Return(tail);
        }
        if (chunks == 1 || Environment.ProcessorCount == 1) for (var c = 0; c < chunks; c++) RunChunk(c);
        else Parallel.For(0, chunks, RunChunk);
        return states;
    }

    /// <summary>A store and a batch of queries (row-major batch × Dim) that fit each other.</summary>
    private static void CheckBatch(IPatternStore store, ReadOnlySpan<float> queries, int batch)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 1");
        if ((long)batch * store.Dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * store.Dim}", nameof(queries));
    }

    /// <summary>Tile rows (a multiple of the microkernel's rows, ≤ 96 KiB of float32), tiles and chunks of a store: functions of N and D only.</summary>
    private static (int TileRows, long Tiles, int Chunks) Geometry(IPatternStore store)
    {
        var byBytes = TileBytes / (store.Dim * sizeof(float)) / FusedKernels.Mr * FusedKernels.Mr;
        var tileRows = Math.Clamp(byBytes, FusedKernels.Mr, 64 * FusedKernels.Mr);
        var tiles = (store.Rows + tileRows - 1) / tileRows;
        return (tileRows, tiles, (int)Math.Min(tiles, MaxChunks));
    }

    /// <summary>Queries packed dimension-major, one per SIMD lane, padded to whole vectors (<see cref="Stride"/> lanes).</summary>
    private sealed unsafe class PackedQueries
    {
        private readonly float[] _q;

        public PackedQueries(ReadOnlySpan<float> queries, int batch, int dim)
        {
            Dim = dim;
            Vectors = (batch + FusedKernels.Width - 1) / FusedKernels.Width;
            Stride = Vectors * FusedKernels.Width;
            _q = GC.AllocateArray<float>(dim * Stride, pinned: true);
            for (var b = 0; b < batch; b++)
            {
                for (var k = 0; k < dim; k++) _q[k * Stride + b] = queries[b * dim + k];
            }
        }

        public int Dim { get; }

        /// <summary>Query vectors per k.</summary>
        public int Vectors { get; }

        /// <summary>Lanes per k (the padded batch): the row stride of the score tile.</summary>
        public int Stride { get; }

        /// <summary>
        /// sc[r · Stride + b] = β x_rᵀq_b for the <paramref name="rows"/> rows at x (row-major); tmax (Stride floats, or
        /// null) is raised to each query's max over these rows. tail: scratch of 6 × (Dim + Stride) floats.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Score(float* x, int rows, double beta, float* sc, float* tmax, float* tail)
        {
            var dim = Dim;
            var full = rows / FusedKernels.Mr * FusedKernels.Mr;
            fixed (float* q = _q)
            {
                if (dim <= Scorer.Float32DotLimit)
                {
                    for (var r0 = 0; r0 < full; r0 += FusedKernels.Mr)
                    {
                        FusedKernels.Block(x + (long)r0 * dim, dim, dim, q, Stride, Vectors, (float)beta, sc + (long)r0 * Stride, Stride, tmax);
                    }
                    if (full < rows)
                    {
                        var tx = tail;
                        var to = tail + FusedKernels.Mr * dim;
                        new Span<float>(tx, FusedKernels.Mr * dim).Clear();
                        Buffer.MemoryCopy(x + (long)full * dim, tx, FusedKernels.Mr * dim * sizeof(float), (rows - full) * dim * sizeof(float));
                        FusedKernels.Block(tx, dim, dim, q, Stride, Vectors, (float)beta, to, Stride, null);
                        Buffer.MemoryCopy(to, sc + (long)full * Stride, (rows - full) * Stride * sizeof(float), (rows - full) * Stride * sizeof(float));
                        if (tmax != null) RaiseMax(sc + (long)full * Stride, rows - full, tmax);
                    }
                    return;
                }
                // Long rows: float32 blocks of Float32DotLimit summed in float64, as Scorer.ScoreBatch does.
                var sums = new double[Stride * FusedKernels.Mr];
                var part = new float[Stride * FusedKernels.Mr];
                var rowBuf = new float[FusedKernels.Mr * dim];
                fixed (float* pp = part)
                fixed (float* rb = rowBuf)
                {
                    for (var r0 = 0; r0 < rows; r0 += FusedKernels.Mr)
                    {
                        var n = Math.Min(FusedKernels.Mr, rows - r0);
                        rowBuf.AsSpan().Clear();
                        Buffer.MemoryCopy(x + (long)r0 * dim, rb, rowBuf.Length * sizeof(float), n * dim * sizeof(float));
                        Array.Clear(sums);
                        for (var k0 = 0; k0 < dim; k0 += Scorer.Float32DotLimit)
                        {
                            var len = Math.Min(Scorer.Float32DotLimit, dim - k0);
                            FusedKernels.Block(rb + k0, dim, len, q + (long)k0 * Stride, Stride, Vectors, 1f, pp, Stride, null);
                            for (var t = 0; t < sums.Length; t++) sums[t] += pp[t];
                        }
                        for (var t = 0; t < n * Stride; t++) sc[(long)r0 * Stride + t] = (float)(beta * sums[t]);
                    }
                }
                if (tmax != null) RaiseMax(sc, rows, tmax);
            }
        }

        private void RaiseMax(float* sc, int rows, float* tmax)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var b = 0; b < Stride; b++) tmax[b] = MathF.Max(tmax[b], sc[(long)r * Stride + b]);
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
    private sealed class QueryState(double hint)
    {
        public double Max = hint;
        public PriorityQueue<float, float>? Top;
        public readonly List<long> Ids = [];
        public readonly List<float> Scores = [];
        public float DroppedMax = float.NegativeInfinity;
    }

    private sealed unsafe class Pass
    {
        private readonly IPatternStore _store;
        private readonly PackedQueries _packed;
        private readonly int _batch;
        private readonly int _dim;
        private readonly FusedScoreRequest _request;
        private readonly QueryReduction[] _q;
        private readonly int _tileRows;
        private readonly long _tiles;
        private readonly int _chunks;
        private readonly QueryState[][] _states;
        private readonly SoftmaxLanes?[] _soft;

        // Candidate lists are merged chunk by chunk in chunk order as chunks finish (so at most the running chunks and
        // those waiting for an earlier one hold lists), pruned to the cap largest. A chunk's lane bound rises to the
        // merged lists' largest dropped score: those lists hold only earlier (lower-id) rows, at least cap of which score
        // at or above it, so a row at or below it is never among the cap largest (ties go to the lower id) and the
        // result does not depend on which chunks were merged when.
        private readonly QueryState[] _merged;

        // The largest reference (max or k-th largest) any chunk has reached so far, per query: every chunk's reference is
        // ≤ the final one, so bounds taken from it never exceed the final bound (no candidate is missed), and a chunk
        // that has not met the large scores yet stops collecting rows far below them. Racy writes may lower it to an
        // older chunk value, which is still a valid (smaller) reference.
        private readonly double[] _sharedRef;
        private readonly PriorityQueue<float, float>?[] _sharedTop;

        // Per query: how many largest scores a chunk keeps (k for k > 1, TightenRows for a tightened bound, else 0), the
        // map solved on them, and the bound that solve gives for the rows seen so far (see QueryReduction.Tighten).
        private readonly int[] _topSize;
        private readonly IThresholdMap?[] _tighten;
        private readonly double[] _tight;

        // The smallest of the shared largest scores once full (else −∞): a row at or below it cannot change what the
        // shared lists give (their k-th largest, or the tightened bound's rows), so chunks keep only rows above it.
        private readonly float[] _sharedTopMin;
        private readonly Lock _topLock = new();
        private int _sharedChunks;
        private readonly float[] _mergedDropped;
        private readonly bool[] _finished;
        private readonly Lock _mergeLock = new();
        private int _nextMerge;
        private readonly double _cutoff;
        private readonly int _pruneAt;
        private readonly bool _anyTop;
        private readonly bool _anyCandidates;
        private readonly bool _anySoftmax;

        // tighten: the map of every QueryReduction.Tighten spec of the request (validated by Run).
        public Pass(IPatternStore store, ReadOnlySpan<float> queries, int batch, FusedScoreRequest request, Dictionary<MapSpec, IThresholdMap?> tighten)
        {
            _store = store;
            _batch = batch;
            _dim = store.Dim;
            _request = request;
            _q = request.Queries.ToArray();
            _packed = new PackedQueries(queries, batch, _dim);
            (_tileRows, _tiles, _chunks) = Geometry(store);
            _states = new QueryState[_chunks][];
            _soft = new SoftmaxLanes?[_chunks];
            _merged = Enumerable.Range(0, batch).Select(_ => new QueryState(double.NegativeInfinity)).ToArray();
            _mergedDropped = Enumerable.Repeat(float.NegativeInfinity, batch).ToArray();
            _finished = new bool[_chunks];
            _sharedRef = _q.Select(q => double.NegativeInfinity).ToArray();
            _sharedTop = new PriorityQueue<float, float>?[batch];
            _tighten = _q.Select(q => q.Tighten is { } t && q.CollectsCandidates ? tighten[t] : null).ToArray();
            _topSize = _q.Select((q, b) => q.K > 1 ? q.K : _tighten[b] is null ? 0 : QueryReduction.TightenRows).ToArray();
            _tight = Enumerable.Repeat(double.NegativeInfinity, batch).ToArray();
            _sharedTopMin = Enumerable.Repeat(float.NegativeInfinity, batch).ToArray();
            // Rows with θ − m below −cutoff add less than ε/N each (or exactly 0 in float64 beyond −746).
            _cutoff = request.SoftmaxTolerance > 0 && store.Rows > 0
                ? Math.Min(746, -Math.Log(request.SoftmaxTolerance / store.Rows))
                : 746;
            _pruneAt = (int)Math.Min(int.MaxValue, Math.Max(request.CandidateCap + (request.CandidateCap / 2L), 256));
            _anyTop = _topSize.Any(k => k > 0);
            _anyCandidates = _q.Any(q => q.CollectsCandidates);
            _anySoftmax = _q.Any(q => q.Softmax);
        }

        public void Execute()
        {
            if (_chunks == 0) return;
            if (_chunks == 1 || Environment.ProcessorCount == 1)
            {
                for (var c = 0; c < _chunks; c++) RunChunk(c);
                return;
            }
            // One worker per core taking chunks in row order, so finished chunks merge early (candidate bounds tighten).
            var next = -1;
            Parallel.For(0, Math.Min(_chunks, Environment.ProcessorCount), _ =>
            {
                int c;
                while ((c = Interlocked.Increment(ref next)) < _chunks) RunChunk(c);
            });
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunChunk(int chunk)
        {
            var states = new QueryState[_batch];
            for (var b = 0; b < _batch; b++)
            {
                states[b] = new QueryState(_q[b].MaxHint);
                if (_topSize[b] > 0) states[b].Top = new PriorityQueue<float, float>(_topSize[b] + 1);
            }
            _states[chunk] = states;
            var stride = _packed.Stride;
            var firstTile = _tiles * chunk / _chunks;
            var endTile = _tiles * (chunk + 1) / _chunks;
            var scratch = TileBuffers.Floats(_tileRows * _dim);
            var scores = TileBuffers.Floats(_tileRows * stride);
            var tail = TileBuffers.Floats(FusedKernels.Mr * (_dim + stride));
            var lanes = new Lanes(stride);
            var soft = _anySoftmax
                ? new SoftmaxLanes(_dim, stride, _tileRows, Enumerable.Range(0, stride).Select(b => b < _batch && _q[b].Softmax).ToArray(), _q.Select(q => q.MaxHint).ToArray())
                : null;
            _soft[chunk] = soft;
            fixed (float* sc = scores)
            fixed (float* tp = tail)
            fixed (float* tmax = lanes.TileMax)
            {
                for (var t = firstTile; t < endTile; t++)
                {
                    var first = t * _tileRows;
                    var rows = (int)Math.Min(_tileRows, _store.Rows - first);
                    var view = _store.Tile(first, rows, scratch);
                    fixed (float* x = view)
                    {
                        new Span<float>(tmax, stride).Fill(float.NegativeInfinity);
                        _packed.Score(x, rows, _request.Beta, sc, tmax, tp);
                        Reduce(sc, rows, first, states, lanes);
                        soft?.Add(sc, rows, x, tmax, _cutoff);
                    }
                }
            }
            soft?.ReleaseTiles();
            TileBuffers.Return(scratch);
            TileBuffers.Return(scores);
            TileBuffers.Return(tail);
            if (_anyCandidates && _anyTop) ShareTop(states);
            if (_anyCandidates) MergeFinished(chunk);
        }

        /// <summary>
        /// Folds a finished chunk's largest scores (its top size: k for k &gt; 1, TightenRows for a tightened bound) into
        /// the largest of every finished chunk. For k &gt; 1 the shared reference rises to their k-th largest: the k-th
        /// largest of the rows seen so far, still ≤ the final one (each chunk's own lags far behind: at 4·10⁶ × 64, k = 5,
        /// the chunks collected 11 times as many candidate rows as the final lists hold). For a tightened bound the map
        /// is solved on them. Either way chunks then keep only scores above the shared lists' smallest.
        /// </summary>
        private void ShareTop(QueryState[] states)
        {
            lock (_topLock)
            {
                // The tightened bound is solved again after chunks 1, 2, 4, 8, …: a few solves per pass instead of one
                // per chunk and query (a stale bound is still valid, only looser); Finish solves the final one.
                var solve = BitOperations.IsPow2(++_sharedChunks);
                for (var b = 0; b < _batch; b++)
                {
                    if (states[b].Top is not { } top || !_q[b].CollectsCandidates) continue;
                    var k = _topSize[b];
                    var shared = _sharedTop[b] ??= new PriorityQueue<float, float>(k + 1);
                    foreach (var (v, _) in top.UnorderedItems)
                    {
                        if (shared.Count < k) shared.Enqueue(v, v);
                        else if (v > shared.Peek()) shared.EnqueueDequeue(v, v);
                    }
                    if (shared.Count == k) Volatile.Write(ref _sharedTopMin[b], shared.Peek());
                    if (_tighten[b] is { } map)
                    {
                        if (solve) Volatile.Write(ref _tight[b], TightBound(map, shared.UnorderedItems.Select(e => e.Element)));
                    }
                    else if (shared.Count == k && shared.Peek() > Volatile.Read(ref _sharedRef[b]))
                    {
                        Volatile.Write(ref _sharedRef[b], shared.Peek());
                    }
                }
            }
        }

        /// <summary>Marks <paramref name="chunk"/> finished and merges every finished chunk next in order into the merged lists.</summary>
        private void MergeFinished(int chunk)
        {
            lock (_mergeLock)
            {
                _finished[chunk] = true;
                for (; _nextMerge < _chunks && _finished[_nextMerge]; _nextMerge++)
                {
                    var states = _states[_nextMerge];
                    for (var b = 0; b < _batch; b++)
                    {
                        var st = states[b];
                        var into = _merged[b];
                        // Both lists cut to the cap first (the cap largest of a union are among the parts' cap largest),
                        // so the merged list stays below 2 × cap and never grows into the large-object heap.
                        var cap = _request.CandidateCap;
                        if (st.Ids.Count > cap) Prune(st, _q[b].FixedBound, cap);
                        if (into.Ids.Count + st.Ids.Count > _pruneAt) Prune(into, _q[b].FixedBound, cap);
                        into.DroppedMax = Math.Max(into.DroppedMax, st.DroppedMax);
                        into.Ids.AddRange(st.Ids);
                        into.Scores.AddRange(st.Scores);
                        st.Ids.Clear();
                        st.Ids.TrimExcess();
                        st.Scores.Clear();
                        st.Scores.TrimExcess();
                        if (into.Ids.Count >= _pruneAt) Prune(into, _q[b].FixedBound, _request.CandidateCap);
                        Volatile.Write(ref _mergedDropped[b], into.DroppedMax);
                    }
                }
            }
        }

        /// <summary>Per-lane (per-query) float thresholds of one tile; +∞ lanes never fire.</summary>
        private sealed class Lanes(int stride)
        {
            public readonly float[] TileMax = new float[stride];
            public readonly float[] TopMin = new float[stride];
            public readonly float[] Bound = new float[stride];
        }

        /// <summary>Folds one score tile (rows × Stride, row-major) into the chunk's per-query states.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Reduce(float* sc, int rows, long firstRow, QueryState[] states, Lanes lanes)
        {
            var stride = _packed.Stride;
            for (var b = 0; b < _batch; b++)
            {
                if (lanes.TileMax[b] > states[b].Max) states[b].Max = lanes.TileMax[b];
            }
            if (_anyTop)
            {
                for (var b = 0; b < stride; b++)
                {
                    var top = b < _batch ? states[b].Top : null;
                    lanes.TopMin[b] = top is null ? float.PositiveInfinity
                        : Math.Max(top.Count < _topSize[b] ? float.NegativeInfinity : top.Peek(), Volatile.Read(ref _sharedTopMin[b]));
                }
                Scan(sc, rows, stride, lanes.TileMax, lanes.TopMin, new TopHit(states, _topSize, _sharedTopMin));
            }
            if (_anyCandidates)
            {
                for (var b = 0; b < _batch; b++)
                {
                    var mine = Reference(states[b], _q[b]);
                    if (mine > Volatile.Read(ref _sharedRef[b])) Volatile.Write(ref _sharedRef[b], mine);
                }
                // Once the cap has dropped rows, a row at or below the largest dropped score can never rank among the cap
                // largest: the lane's threshold rises to it, so a list far over the cap costs one comparison per row.
                for (var b = 0; b < stride; b++)
                {
                    lanes.Bound[b] = b < _batch && _q[b].CollectsCandidates
                        ? Math.Max(FloorFloat(LiveBound(states[b], b)), Math.Max(states[b].DroppedMax, Volatile.Read(ref _mergedDropped[b])))
                        : float.PositiveInfinity;
                }
                Scan(sc, rows, stride, lanes.TileMax, lanes.Bound, new CandidateHit(this, states, firstRow));
            }
        }

        /// <summary>
        /// Calls <paramref name="hit"/> for every (row, query) with score &gt; threshold[query]; the hit returns the
        /// query's new threshold. <paramref name="tileMax"/>: each query's maximum over the tile (exact, from the kernel).
        /// The hit is a struct type parameter, so its call is direct and inlined (the candidate hit is the hot loop of
        /// dense candidate lists, e.g. softmax pairs).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Scan<THit>(float* sc, int rows, int stride, float[] tileMax, float[] threshold, THit hit)
            where THit : struct, IHit
        {
            if (FusedKernels.Width == 16) Scan<THit, Vector512<float>>(sc, rows, stride, tileMax, threshold, hit);
            else Scan<THit, Vector256<float>>(sc, rows, stride, tileMax, threshold, hit);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scan<THit, TV>(float* sc, int rows, int stride, float[] tileMax, float[] threshold, THit hit)
            where THit : struct, IHit
            where TV : struct
        {
            var lanes = Simd<float, TV>.Lanes;
            fixed (float* th = threshold)
            fixed (float* tm = tileMax)
            {
                for (var g = 0; g < stride; g += lanes)
                {
                    var tv = Simd<float, TV>.Load(th + g);
                    // No lane's tile maximum above its threshold: no row of the tile fires in this group (thresholds only
                    // rise during the scan). After the first tiles this skips most groups of a sparse map's scan.
                    // A NaN maximum compares false and keeps the group.
                    if (Simd<float, TV>.LessThanOrEqualAll(Simd<float, TV>.Load(tm + g), tv)) continue;
                    for (var r = 0; r < rows; r++)
                    {
                        var s = sc + (long)r * stride + g;
                        var mask = Simd<float, TV>.GreaterThanBits(Simd<float, TV>.Load(s), tv);
                        if (mask == 0) continue;
                        while (mask != 0)
                        {
                            var bit = System.Numerics.BitOperations.TrailingZeroCount(mask);
                            mask &= mask - 1;
                            th[g + bit] = hit.Hit(r, g + bit, s[bit], th[g + bit]);
                        }
                        tv = Simd<float, TV>.Load(th + g);
                    }
                }
            }
        }

        /// <summary>What <see cref="Scan{THit}"/> does with one (row, query) whose score is above the query's threshold.</summary>
        private interface IHit
        {
            /// <summary>Takes the score of (row, query); returns the query's new threshold (the current one: <paramref name="threshold"/>).</summary>
            float Hit(int row, int query, float score, float threshold);
        }

        /// <summary>
        /// Keeps each query's K largest scores (K = its top size); the threshold is the K-th largest once K are held, and
        /// never below the shared lists' smallest.
        /// </summary>
        private readonly struct TopHit(QueryState[] states, int[] topSize, float[] sharedMin) : IHit
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public float Hit(int row, int query, float score, float threshold)
            {
                var top = states[query].Top!;
                var k = topSize[query];
                if (top.Count < k) top.Enqueue(score, score);
                else if (score > top.Peek()) top.EnqueueDequeue(score, score);
                return Math.Max(top.Count < k ? float.NegativeInfinity : top.Peek(), Volatile.Read(ref sharedMin[query]));
            }
        }

        /// <summary>
        /// Adds the (row, query) to the query's candidates, pruning the list at the prune size and raising the
        /// threshold to its largest dropped score.
        /// </summary>
        private readonly struct CandidateHit(Pass pass, QueryState[] states, long firstRow) : IHit
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public float Hit(int row, int query, float score, float threshold)
            {
                var st = states[query];
                st.Ids.Add(firstRow + row);
                st.Scores.Add(score);
                if (st.Ids.Count < pass._pruneAt) return threshold;
                Prune(st, pass.LiveBound(st, query), pass._request.CandidateCap);
                return Math.Max(threshold, st.DroppedMax);
            }
        }

        /// <summary>The larger of this chunk's reference and the shared one (both ≤ the final reference).</summary>
        private double SharedReference(QueryState st, int b) => Math.Max(Reference(st, _q[b]), Volatile.Read(ref _sharedRef[b]));

        private static double Reference(QueryState st, QueryReduction q) =>
            q.K > 1 ? (st.Top!.Count == q.K ? st.Top.Peek() : double.NegativeInfinity) : st.Max;

        /// <summary>A bound no row of the final candidates is at or below: the reference bound, or the tightened one when higher.</summary>
        private double LiveBound(QueryState st, int b) => Math.Max(BoundOf(_q[b], SharedReference(st, b)), Volatile.Read(ref _tight[b]));

        /// <summary>
        /// The tightened bound from some scores of the store (<see cref="QueryReduction.Tighten"/>): the map's threshold τ_S
        /// on them is ≤ τ*, so rows scoring at or below ScoreAt(τ_S) carry no weight; widened by 1e-9 relative for the
        /// rounding of the solve.
        /// </summary>
        private static double TightBound(IThresholdMap map, IEnumerable<float> scores)
        {
            var theta = scores.Select(v => (double)v).Where(double.IsFinite).ToArray();
            if (theta.Length == 0) return double.NegativeInfinity;
            var p = new double[theta.Length];
            var bound = map.ScoreAt(map.Forward(theta, p));
            return double.IsFinite(bound) ? bound - (1e-9 * (1 + Math.Abs(bound))) : double.NegativeInfinity;
        }

        private static double BoundOf(QueryReduction q, double reference) =>
            q.Margin is { } m ? Math.Max(q.FixedBound, reference - m) : q.FixedBound;

        /// <summary>Drops candidates at or below the bound; above the cap keeps the cap largest (ties: lower id).</summary>
        /// <remarks>The ids are ascending (rows are added in order), so among scores tied at the cut the first ones stay.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Prune(QueryState st, double bound, int cap)
        {
            var ids = CollectionsMarshal.AsSpan(st.Ids);
            var scores = CollectionsMarshal.AsSpan(st.Scores);
            var keep = 0;
            for (var i = 0; i < ids.Length; i++)
            {
                if (scores[i] > bound)
                {
                    ids[keep] = ids[i];
                    scores[keep] = scores[i];
                    keep++;
                }
            }
            if (keep > cap)
            {
                // The cap-th largest score by selection (no sort): keep every score above it and the first ties at it.
                var work = SelectionScratch(keep);
                scores[..keep].CopyTo(work);
                var cut = Structured.Selection.SelectDescending(work.AsSpan(0, keep), cap - 1);
                var above = 0;
                foreach (var v in scores[..keep])
                {
                    if (v > cut) above++;
                }
                var ties = cap - above;
                var kept = 0;
                var dropped = float.NegativeInfinity;
                for (var i = 0; i < keep; i++)
                {
                    var v = scores[i];
                    if (v > cut || (v == cut && ties-- > 0))
                    {
                        ids[kept] = ids[i];
                        scores[kept] = v;
                        kept++;
                    }
                    else if (v > dropped)
                    {
                        dropped = v;
                    }
                }
                st.DroppedMax = Math.Max(st.DroppedMax, dropped);
                keep = kept;
            }
            st.Ids.RemoveRange(keep, st.Ids.Count - keep);
            st.Scores.RemoveRange(keep, st.Scores.Count - keep);
        }

        [ThreadStatic]
        private static float[]? t_selection;

        private static float[] SelectionScratch(int length)
        {
            if (t_selection is null || t_selection.Length < length) t_selection = new float[Math.Max(length, 2 * (t_selection?.Length ?? 0))];
            return t_selection;
        }

        public IReadOnlyList<FusedQueryResult> Finish()
        {
            var results = new FusedQueryResult[_batch];
            // The final tightened bounds, on this thread (the maps keep scratch): the map on the largest scores of the
            // whole store, which every chunk has shared by now (as a multiset they do not depend on the scheduling).
            for (var b = 0; b < _batch; b++)
            {
                if (_tighten[b] is { } map && _sharedTop[b] is { } shared) _tight[b] = TightBound(map, shared.UnorderedItems.Select(e => e.Element));
            }
            // Queries are independent: merged on all cores (each query's merge runs in chunk order, so results do not depend on scheduling).
            Parallel.For(0, _batch, b =>
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
                var min = double.NaN;
                if (q.Softmax)
                {
                    min = double.PositiveInfinity;
                    foreach (var c in _soft) min = Math.Min(min, c?.Min(b) ?? double.PositiveInfinity);
                    var merged = OnlineSoftmaxState.Empty(_dim);
                    foreach (var c in _soft)
                    {
                        if (c?.State(b) is { } st) merged = merged.Merge(st);
                    }
                    soft = merged;
                }
                var bound = q.CollectsCandidates ? Math.Max(BoundOf(q, reference), _tight[b]) : double.PositiveInfinity;
                long[] ids = [];
                float[] scores = [];
                var capHit = false;
                if (q.CollectsCandidates)
                {
                    var merged = _merged[b];
                    if (merged.DroppedMax > bound) capHit = true;
                    Prune(merged, bound, _request.CandidateCap);
                    capHit |= merged.DroppedMax > bound;
                    ids = [.. merged.Ids];
                    scores = [.. merged.Scores];
                }
                results[b] = new FusedQueryResult
                {
                    Max = max,
                    Reference = reference,
                    Min = min,
                    Softmax = soft,
                    Bound = bound,
                    Ids = ids,
                    Scores = scores,
                    CapHit = capHit,
                };
            });
            return results;
        }
    }
}
