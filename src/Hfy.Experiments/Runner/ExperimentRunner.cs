using System.Diagnostics;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Runner;

/// <summary>
/// Runs an experiment through an <see cref="IRetrievalEngine"/>: expands the spec, builds one bank per
/// (N, repeat) on the engine, runs that bank's cells with bounded concurrency, and stores every finished
/// cell BEFORE counting it. Running an experiment that already has stored cells resumes it: stored cells are
/// skipped, and the store's unique (experiment, cell key) makes a second copy of a cell impossible.
/// Plain C# (no actors) so that it can be tested alone; the experiment manager (Hfy.Coordinator) hosts it in the cluster.
/// free-recall and sequential-recall cells are the exception to "through the engine": they run on the
/// single-node recall kernels in this process (<see cref="RecallCell"/> says why), stored and resumed the same way.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly IRetrievalEngine _engine;
    private readonly ResultsStore _store;
    private readonly RunnerOptions _options;

    /// <summary>A runner over an engine and a store.</summary>
    public ExperimentRunner(IRetrievalEngine engine, ResultsStore store, RunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(store);
        _engine = engine;
        _store = store;
        _options = options ?? new RunnerOptions();
        if (_options.MaxConcurrentCells < 1) throw new ArgumentException("MaxConcurrentCells must be ≥ 1", nameof(options));
        if (_options.QueryBatch < 1) throw new ArgumentException("QueryBatch must be ≥ 1", nameof(options));
        if (_options.CellAttempts < 1) throw new ArgumentException("CellAttempts must be ≥ 1", nameof(options));
    }

    /// <summary>The store results go to.</summary>
    public ResultsStore Store => _store;

    /// <summary>Validates and stores a new experiment (status queued); returns its id.</summary>
    /// <exception cref="SpecValidationException">The spec has problems (all of them listed).</exception>
    public string Submit(ExperimentSpec spec, SpecLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = SpecValidator.Validate(spec, limits);
        if (errors.Count > 0) throw new SpecValidationException(errors);
        return _store.CreateExperiment(spec, (int)GridExpansion.Count(spec));
    }

    /// <summary>
    /// Runs (or resumes) a stored experiment until every cell is stored. Cancellation leaves it "running" in the
    /// store so that a later call resumes it; an error marks it failed and rethrows.
    /// </summary>
    public async Task RunAsync(string experimentId, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        var record = _store.GetExperiment(experimentId) ?? throw new KeyNotFoundException($"no experiment '{experimentId}'");
        var plan = ExperimentPlan.Read(record.Spec);
        if (plan.Kind == ExperimentKind.Exponential)
        {
            await new Exponential.ExponentialRunner(_engine, _store, _options).RunAsync(experimentId, plan, progress, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (LearningKinds.IsLearning(plan.Kind))
        {
            await new Learning.LearningRunner(_store, _options, _engine as Learning.ILearningCellEngine).RunAsync(experimentId, plan, progress, cancellationToken).ConfigureAwait(false);
            return;
        }
        var cells = GridExpansion.Expand(plan.Spec);
        var stored = _store.GetCellKeys(experimentId);
        var doneAtStart = cells.Count(c => stored.Contains(c.Key));
        // File banks: the whole file is read once per run; each (N, repeat) bank is a seeded subset of its rows.
        var source = new Lazy<Bank>(() => LoadSourceFile(plan), LazyThreadSafetyMode.ExecutionAndPublication);
        await CellRun.RunAsync(_store, experimentId, progress, cells.Count, doneAtStart, async run =>
        {
            foreach (var group in cells.Where(c => !stored.Contains(c.Key)).GroupBy(c => (c.N, c.Repeat)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bank = await PrepareBankAsync(experimentId, plan, group.Key.N, group.Key.Repeat, source, cancellationToken).ConfigureAwait(false);
                using var slots = new SemaphoreSlim(_options.MaxConcurrentCells);
                var tasks = group.Select(async cell =>
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        var started = DateTime.UtcNow;
                        var metrics = await RunCellWithRetriesAsync(plan, bank, cell, cancellationToken).ConfigureAwait(false);
                        run.Store(new CellRecord(experimentId, cell.Key, cell.Index, CellParams.Of(cell), metrics, started, DateTime.UtcNow));
                    }
                    finally
                    {
                        slots.Release();
                    }
                }).ToArray();
                await Task.WhenAll(tasks).ConfigureAwait(false);
                if (_options.DropBanks && bank.OnEngine) await _engine.DropBankAsync(bank.Spec.Name, CancellationToken.None).ConfigureAwait(false);
                // A subset file is only needed while its bank is held (a resumed run writes the same rows again).
                if (bank.SubsetFile is { } subsetFile && (_options.DropBanks || !bank.OnEngine)) TryDelete(subsetFile);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The bank of one (N, repeat) plus the base rows of its queries.</summary>
    private sealed class PreparedBank(BankSpec spec, long[] sourceIndices, float[] baseRows, Func<Bank> loadAll, bool onEngine = true, string? subsetFile = null)
    {
        private readonly Lazy<Bank> _all = new(loadAll, LazyThreadSafetyMode.ExecutionAndPublication);

        public BankSpec Spec { get; } = spec;

        /// <summary>The .npy file holding a file bank's subset, deleted once the bank is done.</summary>
        public string? SubsetFile { get; } = subsetFile;

        /// <summary>Whether the bank was created on the engine (recall banks live only in this process).</summary>
        public bool OnEngine { get; } = onEngine;

        /// <summary>Row index each query was made from, −1 for held-out or grid queries.</summary>
        public long[] SourceIndices { get; } = sourceIndices;

        /// <summary>Uncorrupted queries, Q × D.</summary>
        public float[] BaseRows { get; } = baseRows;

        /// <summary>The whole bank in this process (baselines, basins).</summary>
        public Bank All => _all.Value;
    }

    private async Task<PreparedBank> PrepareBankAsync(string experimentId, ExperimentPlan plan, long n, int repeat, Lazy<Bank> sourceFile, CancellationToken ct)
    {
        var spec = plan.Spec;
        var kind = plan.Kind;
        var name = $"{experimentId}-n{n}-r{repeat}";
        BankSpec bankSpec;
        long fileRows = 0;
        float[]? subset = null;
        string? subsetPath = null;
        switch (plan.Bank)
        {
            case BankPlan.Generated g:
                bankSpec = new BankSpec(name, n, g.Dim, g.Ensemble, unchecked(g.Seed + (ulong)repeat), Storage: g.Storage, Generator: g.Generator);
                break;
            case BankPlan.Inline inline:
                var path = WriteInlineNpy(experimentId, inline.Patterns);
                fileRows = inline.Patterns.Length;
                bankSpec = new BankSpec(name, n, inline.Patterns[0].Length, BankSourceKind.Npy, Path: path, Storage: inline.Storage);
                break;
            default:
            {
                // Repeat r stores the first N rows of the r-th seeded permutation of the file (the published driver's
                // randperm subsets); metastable queries are the permutation's next rows (held out of the bank).
                var all = sourceFile.Value;
                var heldOut = kind == ExperimentKind.Metastable ? (int)Math.Min(spec.Queries ?? 100, all.Rows - n) : 0;
                var rowsOf = QueryBuilder.Subset(all.Rows, n + heldOut, spec.Bank!.Seed, repeat);
                var dim = all.Dim;
                subset = new float[rowsOf.Length * dim];
                for (var j = 0; j < rowsOf.Length; j++) all.Row((int)rowsOf[j]).CopyTo(subset.AsSpan(j * dim, dim));
                subsetPath = Path.Combine(WorkDirectory(), $"{name}.npy");
                NpyWriter.Write(subsetPath, subset, rowsOf.Length, dim);
                bankSpec = new BankSpec(name, n, dim, BankSourceKind.Npy, Path: subsetPath, Storage: plan.Bank.Storage);
                fileRows = rowsOf.Length;
                break;
            }
        }
        if (kind.IsRecall())
        {
            // Recall protocols run on the single-node kernels over the whole bank (see RecallCell): no engine bank, no queries.
            return new PreparedBank(bankSpec, [], [], () => BankSources.Load(bankSpec), onEngine: false, subsetFile: subsetPath);
        }
        await _engine.CreateBankAsync(bankSpec, ct).ConfigureAwait(false);

        var d = bankSpec.Dim;
        var rng = QueryBuilder.Rng(QueryBuilder.Mix(spec.Seed, (ulong)n, (ulong)repeat, 0x51));
        long[] indices;
        float[] baseRows;
        Bank LoadAll() => BankSources.Load(bankSpec);
        switch (kind)
        {
            case ExperimentKind.Basins:
                var b = plan.Basins;
                var res = b.Resolution;
                indices = new long[res * res];
                Array.Fill(indices, -1L);
                baseRows = new float[res * res * 2];
                for (var y = 0; y < res; y++)
                {
                    for (var x = 0; x < res; x++)
                    {
                        var j = y * res + x;
                        baseRows[2 * j] = (float)(b.Lo + (b.Hi - b.Lo) * x / (res - 1));
                        baseRows[2 * j + 1] = (float)(b.Lo + (b.Hi - b.Lo) * y / (res - 1));
                    }
                }
                break;
            case ExperimentKind.Metastable:
                // Held-out patterns: the rows that follow the bank (generators: same seed, rows N…N+Q−1).
                var q = subset is null ? spec.Queries ?? 100 : (int)(fileRows - n);
                indices = new long[q];
                Array.Fill(indices, -1L);
                baseRows = new float[q * d];
                if (fileRows == 0)
                {
                    var wider = bankSpec with { Rows = n + q };
                    BankSources.ReadRows(wider, n, q).AsSpan().CopyTo(baseRows);
                }
                else
                {
                    for (var j = 0; j < q; j++)
                    {
                        if (subset is not null)
                        {
                            subset.AsSpan((int)(n + j) * d, d).CopyTo(baseRows.AsSpan(j * d, d));
                            continue;
                        }
                        var row = (bankSpec.Offset + n + j) % fileRows;
                        var one = BankSources.ReadRows(bankSpec with { Rows = fileRows, Offset = 0 }, row, 1);
                        one.AsSpan().CopyTo(baseRows.AsSpan(j * d, d));
                    }
                }
                break;
            default:
                var count = QueryBuilder.Queries(spec, n);
                // Every stored pattern (the image protocol's default), or a seeded sample of them.
                indices = count == n ? LongRange(n) : QueryBuilder.Sample(n, count, rng);
                baseRows = new float[indices.Length * d];
                for (var j = 0; j < indices.Length; j++)
                {
                    if (subset is not null) subset.AsSpan((int)indices[j] * d, d).CopyTo(baseRows.AsSpan(j * d, d));
                    else BankSources.ReadRows(bankSpec, indices[j], 1).AsSpan().CopyTo(baseRows.AsSpan(j * d, d));
                }
                break;
        }
        return new PreparedBank(bankSpec, indices, baseRows, LoadAll, subsetFile: subsetPath);
    }

    private async Task<CellMetrics> RunCellWithRetriesAsync(ExperimentPlan plan, PreparedBank bank, Cell cell, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunCellAsync(plan, bank, cell, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < _options.CellAttempts && !ct.IsCancellationRequested
                && e is not (ArgumentException or SpecValidationException or OperationCanceledException))
            {
                // A transient engine failure (e.g. a partition that did not answer in time): the cell is rerun whole,
                // nothing of the failed attempt was stored.
            }
        }
    }

    private async Task<CellMetrics> RunCellAsync(ExperimentPlan plan, PreparedBank bank, Cell cell, CancellationToken ct)
    {
        var spec = plan.Spec;
        var grid = plan.Grid;
        var kind = plan.Kind;
        if (kind.IsRecall()) return await Task.Run(() => RecallCell.Run(spec, bank.All, cell), ct).ConfigureAwait(false);
        var d = bank.Spec.Dim;
        var count = bank.SourceIndices.Length;
        var queries = (float[])bank.BaseRows.Clone();
        if (kind != ExperimentKind.Basins)
        {
            var rng = QueryBuilder.Rng(QueryBuilder.Mix(spec.Seed, (ulong)cell.N, (ulong)cell.Repeat, BitConverter.DoubleToUInt64Bits(cell.Noise)));
            QueryBuilder.Corrupt(queries, d, cell.Noise, grid.Clip, grid.Mask, rng);
        }
        var clock = Stopwatch.StartNew();
        var results = new RetrievalResult[count];
        long roundTrips = 0, bytes = 0;
        var norm = PostTransforms.RowNormalizationFor(cell.Post);

        if (cell.Map.Hfy is { } mapSpec)
        {
            var options = new RetrievalOptions(mapSpec, cell.Beta, grid.Steps, spec.Tol, cell.Post);
            // The local engine gets the whole cell in one request: it batches the scoring itself (64 queries per
            // pass), and each request costs a normalized copy of the bank. Requests to a cluster stay bounded.
            var requestSize = _engine is LocalEngine ? Math.Max(1, count) : _options.QueryBatch;
            for (var start = 0; start < count; start += requestSize)
            {
                var batch = Math.Min(requestSize, count - start);
                var slice = queries.AsSpan(start * d, batch * d).ToArray();
                var r = await _engine.RetrieveAsync(bank.Spec.Name, slice, batch, options, ct).ConfigureAwait(false);
                if (r.Results.Length != batch) throw new InvalidOperationException($"engine returned {r.Results.Length} results for {batch} queries");
                r.Results.CopyTo(results, start);
                roundTrips += r.Stats.RoundTrips;
                bytes += r.Stats.BytesMoved;
            }
        }
        else
        {
            var update = plan.BaselineUpdate;
            var workers = Math.Max(1, Environment.ProcessorCount / _options.MaxConcurrentCells);
            var all = await Task.Run(() => BaselineDynamics.RunBatch(bank.All, queries, count, cell.Map, cell.Beta, cell.Post, update,
                grid.Steps, spec.Tol, 1e-6, workers), ct).ConfigureAwait(false);
            all.CopyTo(results, 0);
        }
        clock.Stop();
        return Score(plan, bank, cell, results, norm, roundTrips, bytes, clock.Elapsed);
    }

    private static Bank LoadSourceFile(ExperimentPlan plan)
    {
        var file = plan.Bank as BankPlan.File ?? throw new ArgumentException("bank: not a file source", nameof(plan));
        var (rows, dim) = BankSources.FileShape(file.Format, file.Path);
        return BankSources.Load(new BankSpec("source", rows, dim, file.Format, Path: file.Path));
    }

    private static long[] LongRange(long n)
    {
        var r = new long[n];
        for (var i = 0; i < n; i++) r[i] = i;
        return r;
    }

    private string WorkDirectory()
    {
        var dir = _options.WorkDirectory ?? Path.Combine(Path.GetDirectoryName(_store.Path) ?? ".", "banks");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the next run to overwrite.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    private static CellMetrics Score(ExperimentPlan plan, PreparedBank bank, Cell cell, RetrievalResult[] results,
        RowNormalization norm, long roundTrips, long bytes, TimeSpan elapsed)
    {
        var d = bank.Spec.Dim;
        var kind = plan.Kind;
        var useCosine = plan.Criterion == SuccessCriterion.Cosine;
        var hist = new long[CellMetrics.HistogramBins];
        int exact = 0, cosOk = 0, violations = 0, maxSteps = 0, ok = 0;
        double cosSum = 0, supportSum = 0, stepsSum = 0;
        int[]? attractors = kind == ExperimentKind.Basins ? new int[results.Length] : null;
        var softmax = cell.Map.Hfy?.Kind == Hfy.Kernels.Maps.MapKind.Softmax;
        var target = new float[d];
        for (var j = 0; j < results.Length; j++)
        {
            var r = results[j];
            // Softmax never gives exact zeros; the papers count weights > 0.01 (docs/math.md §5).
            // Sparse maps: the true support size (a cluster result lists only the largest weights when it is large).
            var support = softmax ? r.Weights.Count(w => w > 0.01) : r.SupportSize;
            hist[CellMetrics.Bin((int)Math.Min(support, CellMetrics.HistogramBins))]++;
            supportSum += support;
            stepsSum += r.Steps;
            maxSteps = Math.Max(maxSteps, r.Steps);
            for (var t = 1; t < r.Energy.Length; t++)
            {
                if (r.Energy[t] > r.Energy[t - 1] + 1e-6 * Math.Max(1.0, Math.Abs(r.Energy[t - 1]))) violations++;
            }
            bool isExact, isCos = false;
            switch (kind)
            {
                case ExperimentKind.Basins:
                    var a = Attractor(bank.All, norm, r.Q, plan.Basins.Radius);
                    attractors![j] = a;
                    isExact = a >= 0;
                    break;
                case ExperimentKind.Metastable:
                    isExact = r.Retrieved is not null && (cell.Map.Baseline is not null || r.Weights.Count(w => w > 0) == 1);
                    break;
                default:
                    var src = bank.SourceIndices[j];
                    // Exact retrieval (docs/math.md §4): q_T equals the pattern (engine tolerance) AND the weights are exactly
                    // one-hot on it. Softmax's weights are never exactly 0, so at large β it gets within the tolerance without
                    // ever being exact; its closeness shows in the cosine rate. Baselines have no weights: q_T decides.
                    isExact = r.Retrieved == src && (cell.Map.Baseline is not null || (r.Weights.Count(w => w > 0) == 1 && r.Ids[Array.FindIndex(r.Weights, w => w > 0)] == src));
                    // The base rows are the uncorrupted source patterns, in the order of SourceIndices.
                    bank.BaseRows.AsSpan(j * d, d).CopyTo(target);
                    RowNormalizations.NormalizeRow(norm, target);
                    // A state that overflowed (the published identity update of a DAM) counts as cosine 0.
                    var cos = Cosine(r.Q, target);
                    if (!double.IsFinite(cos)) cos = 0;
                    cosSum += cos;
                    isCos = cos > plan.CosineThreshold;
                    break;
            }
            if (isExact) exact++;
            if (isCos) cosOk++;
            if (useCosine && kind == ExperimentKind.Capacity ? isCos : isExact) ok++;
        }
        var n = Math.Max(1, results.Length);
        return new CellMetrics(results.Length, (double)ok / n, (double)exact / n, (double)cosOk / n, cosSum / n, hist,
            supportSum / n, stepsSum / n, maxSteps, violations, roundTrips, bytes, elapsed.TotalMilliseconds, attractors);
    }

    private static int Attractor(Bank bank, RowNormalization norm, double[] q, double radius)
    {
        var row = new float[bank.Dim];
        for (var i = 0; i < bank.Rows; i++)
        {
            bank.Row(i).CopyTo(row);
            RowNormalizations.NormalizeRow(norm, row);
            double dist = 0;
            for (var k = 0; k < row.Length; k++) dist += (q[k] - row[k]) * (q[k] - row[k]);
            if (Math.Sqrt(dist) <= radius) return i;
        }
        return -1;
    }

    private static double Cosine(double[] q, ReadOnlySpan<float> x)
    {
        double dot = 0, qq = 0, xx = 0;
        for (var i = 0; i < q.Length; i++)
        {
            dot += q[i] * x[i];
            qq += q[i] * q[i];
            xx += (double)x[i] * x[i];
        }
        return qq == 0 || xx == 0 ? 0 : dot / Math.Sqrt(qq * xx);
    }

    private string WriteInlineNpy(string experimentId, double[][] patterns)
    {
        var path = Path.Combine(WorkDirectory(), experimentId + "-inline.npy");
        var dim = patterns[0].Length;
        var data = new float[patterns.Length * dim];
        for (var r = 0; r < patterns.Length; r++)
        {
            for (var k = 0; k < dim; k++) data[r * dim + k] = (float)patterns[r][k];
        }
        NpyWriter.Write(path, data, patterns.Length, dim);
        return path;
    }
}
