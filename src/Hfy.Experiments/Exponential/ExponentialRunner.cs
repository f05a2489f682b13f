using System.Diagnostics;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;
using Hfy.Kernels.Theory;

namespace Hfy.Experiments.Exponential;

/// <summary>
/// Runs (or resumes) an exponential experiment: per (N, P, bank) it creates the bank on the engine (generated from
/// (seed, N, P, bank), so describing it costs no memory), runs every remaining cell's dynamics through the
/// <see cref="IRetrievalEngine"/> (so cells run on a cluster like every experiment), then measures the overlaps of the
/// targets and the final states in ONE pass over the bank's rows (<see cref="IOverlapScanner"/>) and stores each cell.
/// Stored cells are skipped on resume; a bank interrupted before its cells were stored is rerun whole.
/// </summary>
/// <remarks>
/// Geometry (docs/capacity.md, exponential capacity): the engine holds unit-norm rows (ℓ2 row normalization) and runs the
/// sphere post-transformation (ℓ2) with β = β_net N, which is the radius-√N model with scores β_net ξ·x. Overlaps φ are
/// the cosines ξ̂·x̂.
/// </remarks>
public sealed class ExponentialRunner
{
    /// <summary>Softmax weights are dense (P per query): queries per engine request are capped so that batch × P stays below this.</summary>
    public const long MaxDenseWeightsPerRequest = 4_000_000;

    /// <summary>A gap |β_net N (1 − φ_max,other) − m| below this × m is a tie: float32 scoring may decide either way.</summary>
    public const double TieBand = 1e-4;

    private readonly IRetrievalEngine _engine;
    private readonly ResultsStore _store;
    private readonly RunnerOptions _options;
    private readonly IOverlapScanner _scanner;

    /// <summary>A runner over an engine, a store and (default: <see cref="FusedOverlapScanner"/>) a scanner.</summary>
    public ExponentialRunner(IRetrievalEngine engine, ResultsStore store, RunnerOptions? options = null, IOverlapScanner? scanner = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(store);
        _engine = engine;
        _store = store;
        _options = options ?? new RunnerOptions();
        _scanner = scanner ?? new FusedOverlapScanner();
    }

    /// <summary>Runs the cells of <paramref name="experimentId"/> not yet stored; status and progress as <see cref="Runner.ExperimentRunner.RunAsync"/>.</summary>
    public async Task RunAsync(string experimentId, ExperimentPlan plan, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var cells = ExponentialGrid.Expand(plan.Spec);
        var stored = _store.GetCellKeys(experimentId);
        var doneAtStart = cells.Count(c => stored.Contains(c.Key));
        await CellRun.RunAsync(_store, experimentId, progress, cells.Count, doneAtStart, async run =>
        {
            foreach (var group in cells.Where(c => !stored.Contains(c.Key)).GroupBy(c => (c.Dim, c.Patterns, c.Bank)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = DateTime.UtcNow;
                var measured = await RunBankAsync(experimentId, plan, group.ToArray(), cancellationToken).ConfigureAwait(false);
                foreach (var (cell, metrics) in measured)
                {
                    run.Store(new CellRecord(experimentId, cell.Key, cell.Index, Params(cell), metrics, started, DateTime.UtcNow));
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The generic parameters of a cell (the map label carries N and α so that generic summaries group correctly).</summary>
    public static CellParams Params(ExponentialCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return new CellParams(cell.Patterns, FormattableString.Invariant($"{cell.Map.Label} N={cell.Dim} α={cell.Alpha:G}"), cell.BetaNet, "l2", cell.Start, cell.Bank);
    }

    /// <summary>The bank of (N, P, bank index): unit-norm rows of the plan's ensemble, seeded from (bank.seed, N, P, bank).</summary>
    public static BankSpec BankOf(string experimentId, ExperimentPlan plan, int dim, long patterns, int bank)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var g = (BankPlan.Generated)plan.Bank;
        var seed = QueryBuilder.Mix(g.Seed, (ulong)dim, (ulong)patterns, (ulong)bank);
        return new BankSpec($"{experimentId}-exp-n{dim}-p{patterns}-b{bank}", patterns, dim, g.Ensemble, seed, Normalization: RowNormalization.L2, Storage: g.Storage, Generator: g.Generator);
    }

    /// <summary>The query targets of a bank: min(queries, P) distinct rows drawn from (spec seed, N, P, bank).</summary>
    public static long[] Targets(ExperimentSpec spec, int dim, long patterns, int bank)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rng = QueryBuilder.Rng(QueryBuilder.Mix(spec.Seed, (ulong)dim, (ulong)patterns, (ulong)bank, 0xE1));
        return QueryBuilder.Sample(patterns, QueryBuilder.Queries(spec, patterns), rng);
    }

    /// <summary>
    /// Starts at overlap φ₀ with each (unit) target: φ₀ ξ̂ + √(1 − φ₀²) v̂, v̂ a uniform random unit direction orthogonal
    /// to ξ̂ drawn from (seed, N, P, bank, φ₀, query); φ₀ = 1 gives the targets themselves.
    /// </summary>
    public static float[] Starts(ExperimentSpec spec, double[] targets, int dim, long patterns, int bank, double phi0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(targets);
        var count = targets.Length / dim;
        var x = new float[targets.Length];
        var seed = QueryBuilder.Mix(spec.Seed, (ulong)dim, (ulong)patterns, (ulong)bank, BitConverter.DoubleToUInt64Bits(phi0), 0x57);
        var g = new double[dim];
        for (var j = 0; j < count; j++)
        {
            var t = targets.AsSpan(j * dim, dim);
            if (phi0 >= 1)
            {
                for (var k = 0; k < dim; k++) x[j * dim + k] = (float)t[k];
                continue;
            }
            double dot = 0, norm = 0;
            for (var k = 0; k < dim; k++)
            {
                g[k] = CounterRng.Gaussian(seed, (ulong)j, (ulong)k);
                dot += g[k] * t[k];
            }
            for (var k = 0; k < dim; k++)
            {
                g[k] -= dot * t[k];
                norm += g[k] * g[k];
            }
            var s = Math.Sqrt(1 - phi0 * phi0) / Math.Sqrt(norm);
            for (var k = 0; k < dim; k++) x[j * dim + k] = (float)(phi0 * t[k] + s * g[k]);
        }
        return x;
    }

    /// <summary>What the runner keeps of one engine result (softmax results carry P weights: dropped at once).</summary>
    private readonly record struct Outcome(double[] Q, long Support, int Steps, bool Retrieved, bool? OneHot, int EnergyViolations, double TargetWeight);

    private async Task<List<(ExponentialCell Cell, CellMetrics Metrics)>> RunBankAsync(string experimentId, ExperimentPlan plan, ExponentialCell[] cells, CancellationToken ct)
    {
        var spec = plan.Spec;
        var e = spec.Exponential!;
        var first = cells[0];
        var (dim, patterns, bankIndex) = (first.Dim, first.Patterns, first.Bank);
        var bank = BankOf(experimentId, plan, dim, patterns, bankIndex);
        await _engine.CreateBankAsync(bank, ct).ConfigureAwait(false);
        try
        {
            var targets = Targets(spec, dim, patterns, bankIndex);
            var q = targets.Length;
            var targetRows = new double[q * dim];
            for (var j = 0; j < q; j++)
            {
                var row = BankSources.ReadRows(bank, targets[j], 1);
                for (var k = 0; k < dim; k++) targetRows[j * dim + k] = row[k];
            }
            var starts = new Dictionary<double, float[]>();
            var oneStep = new Dictionary<string, Outcome[]>(StringComparer.Ordinal);
            var outcomes = new Outcome[cells.Length][];
            var dynamicsMs = new double[cells.Length];
            long roundTrips = 0, bytes = 0;
            for (var c = 0; c < cells.Length; c++)
            {
                var cell = cells[c];
                var mapSpec = cell.Map.Hfy!;
                var clock = Stopwatch.StartNew();
                var key = FormattableString.Invariant($"{cell.Map.Label}|{cell.BetaNet:R}");
                if (!oneStep.ContainsKey(key))
                {
                    // T = 0 from the stored pattern: the reported weights are the map at x₀ = ξ (sparse maps: one-hot iff one update
                    // returns ξ exactly; softmax: the target's weight, which the α_c argument of docs/math.md §16 is about).
                    var zero = await RetrieveAsync(bank, ToFloat(targetRows), q, new RetrievalOptions(mapSpec, cell.Beta, 0, 0, PostTransform.L2) { SoftmaxTolerance = e.SoftmaxTolerance }, targets, ct).ConfigureAwait(false);
                    oneStep[key] = zero.Outcomes;
                    roundTrips += zero.RoundTrips;
                    bytes += zero.Bytes;
                }
                if (e.Steps == 0 && cell.Start >= 1)
                {
                    // T = 0 from the stored pattern is the probe itself (the tolerance plays no part without an update):
                    // at 10⁹ patterns this saves a pass over the bank per cell.
                    outcomes[c] = oneStep[key];
                    dynamicsMs[c] = clock.Elapsed.TotalMilliseconds;
                    continue;
                }

                if (!starts.TryGetValue(cell.Start, out var x0)) starts[cell.Start] = x0 = Starts(spec, targetRows, dim, patterns, bankIndex, cell.Start);
                var r = await RetrieveAsync(bank, x0, q, new RetrievalOptions(mapSpec, cell.Beta, e.Steps, spec.Tol, PostTransform.L2) { SoftmaxTolerance = e.SoftmaxTolerance }, targets, ct).ConfigureAwait(false);
                outcomes[c] = r.Outcomes;
                roundTrips += r.RoundTrips;
                bytes += r.Bytes;
                dynamicsMs[c] = clock.Elapsed.TotalMilliseconds;
            }

            // One pass over the rows: the targets (φ_max,other) and every final state that is not exactly its target.
            var scanClock = Stopwatch.StartNew();
            var vectors = new List<double>(targetRows);
            var slot = new int[cells.Length][];
            var count = q;
            for (var c = 0; c < cells.Length; c++)
            {
                slot[c] = new int[q];
                for (var j = 0; j < q; j++)
                {
                    if (outcomes[c][j].Retrieved)
                    {
                        slot[c][j] = -1;
                        continue;
                    }
                    slot[c][j] = count++;
                    vectors.AddRange(outcomes[c][j].Q);
                }
            }
            var top = _scanner.Scan(bank, vectors.ToArray(), count);
            var scanMs = scanClock.Elapsed.TotalMilliseconds / cells.Length;
            var phiMaxOther = new double[q];
            for (var j = 0; j < q; j++) phiMaxOther[j] = top[j].MaxExcluding(targets[j]);

            var list = new List<(ExponentialCell, CellMetrics)>(cells.Length);
            for (var c = 0; c < cells.Length; c++)
            {
                var cell = cells[c];
                var probe = oneStep[FormattableString.Invariant($"{cell.Map.Label}|{cell.BetaNet:R}")];
                var rows = new ExponentialQueryRow[q];
                for (var j = 0; j < q; j++)
                {
                    var o = outcomes[c][j];
                    var phiT = Dot(o.Q, targetRows.AsSpan(j * dim, dim));
                    // A final state equal to its target (engine tolerance) has the target's other overlaps.
                    var phiO = slot[c][j] < 0 ? phiMaxOther[j] : top[slot[c][j]].MaxExcluding(targets[j]);
                    var success = phiT >= e.Keep && phiT > phiO;
                    rows[j] = new ExponentialQueryRow(targets[j], phiT, phiO, phiMaxOther[j], o.Support, o.Steps, cell.Margin is null ? null : probe[j].OneHot == true, success,
                        probe[j].TargetWeight);
                }
                var violations = outcomes[c].Sum(o => o.EnergyViolations);
                list.Add((cell, Metrics(cell, spec, rows, outcomes[c], violations, roundTrips / cells.Length, bytes / cells.Length, dynamicsMs[c], scanMs)));
            }
            return list;
        }
        finally
        {
            if (_options.DropBanks) await _engine.DropBankAsync(bank.Name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static CellMetrics Metrics(ExponentialCell cell, ExperimentSpec spec, ExponentialQueryRow[] rows, Outcome[] outcomes, int violations,
        long roundTrips, long bytes, double dynamicsMs, double scanMs)
    {
        var e = spec.Exponential!;
        var q = Math.Max(1, rows.Length);
        var hist = new long[CellMetrics.HistogramBins];
        foreach (var r in rows) hist[CellMetrics.Bin((int)Math.Min(r.Support, CellMetrics.HistogramBins))]++;
        int? oneHot = null, predicted = null, disagreements = null, ties = null;
        double? probability = null, boundary = null;
        var binary = ExponentialPlan.Ensemble(spec.Bank) == BankSourceKind.Binary;
        if (cell.Margin is { } m)
        {
            int hit = 0, pred = 0, dis = 0, tie = 0;
            foreach (var r in rows)
            {
                var gap = cell.BetaNet * cell.Dim * (1 - r.PhiMaxOther);
                var p = gap >= m;
                if (r.OneStep == true) hit++;
                if (p) pred++;
                if (Math.Abs(gap - m) <= TieBand * m) tie++;
                else if (p != (r.OneStep == true)) dis++;
            }
            (oneHot, predicted, disagreements, ties) = (hit, pred, dis, tie);
            probability = ExponentialCapacity.OneHotProbability(cell.Dim, cell.Patterns, cell.BetaNet, m, binary);
            boundary = ExponentialCapacity.BasinBoundary(cell.AlphaEff, cell.Dim, cell.BetaNet, m);
        }
        var ex = new ExponentialCellMetrics(cell.Dim, cell.Patterns, cell.Alpha, cell.AlphaEff, cell.BetaNet, cell.Beta, cell.Map.Label, cell.Margin,
            cell.Start, cell.Bank, BankAddress.Name(ExponentialPlan.Ensemble(spec.Bank) ?? BankSourceKind.Sphere), e.Keep,
            rows.Count(r => r.Success), oneHot, predicted, disagreements, ties, probability, ExponentialCapacity.CriticalLoad(cell.BetaNet),
            ExponentialCapacity.LargestOverlap(cell.AlphaEff), boundary, dynamicsMs, scanMs, rows);
        return new CellMetrics(rows.Length, (double)ex.Successes / q, (double)outcomes.Count(o => o.Retrieved) / q,
            (double)rows.Count(r => r.PhiTarget >= e.Keep) / q, rows.Length == 0 ? 0 : rows.Average(r => r.PhiTarget), hist,
            rows.Length == 0 ? 0 : rows.Average(r => (double)r.Support), rows.Length == 0 ? 0 : rows.Average(r => (double)r.Steps),
            rows.Length == 0 ? 0 : rows.Max(r => r.Steps), violations, roundTrips, bytes, dynamicsMs + scanMs, Exponential: ex);
    }

    private async Task<(Outcome[] Outcomes, long RoundTrips, long Bytes)> RetrieveAsync(BankSpec bank, float[] x0, int count, RetrievalOptions options,
        long[] targets, CancellationToken ct)
    {
        var dim = bank.Dim;
        var dense = options.Map.Kind == MapKind.Softmax;
        // Resident softmax results list all P weights per query; streamed banks list at most a cap of them.
        var batchSize = (int)Math.Clamp(dense && !BankSources.IsStreamed(bank) ? MaxDenseWeightsPerRequest / bank.Rows : _options.QueryBatch, 1, _options.QueryBatch);
        var outcomes = new Outcome[count];
        long roundTrips = 0, bytes = 0;
        for (var start = 0; start < count; start += batchSize)
        {
            var batch = Math.Min(batchSize, count - start);
            var slice = x0.AsSpan(start * dim, batch * dim).ToArray();
            var r = await _engine.RetrieveAsync(bank.Name, slice, batch, options, ct).ConfigureAwait(false);
            if (r.Results.Length != batch) throw new InvalidOperationException($"engine returned {r.Results.Length} results for {batch} queries");
            roundTrips += r.Stats.RoundTrips;
            bytes += r.Stats.BytesMoved;
            for (var j = 0; j < batch; j++)
            {
                var res = r.Results[j];
                var target = targets[start + j];
                // Softmax has no exact zeros: count weights > 0.01 as the papers do (docs/math.md §5).
                var support = dense ? res.Weights.Count(w => w > 0.01) : res.SupportSize;
                bool? oneHot = dense ? null : res.SupportSize == 1 && res.Ids.Length == 1 && res.Ids[0] == target;
                var violations = 0;
                for (var t = 1; t < res.Energy.Length; t++)
                {
                    if (res.Energy[t] > res.Energy[t - 1] + 1e-6 * Math.Max(1.0, Math.Abs(res.Energy[t - 1]))) violations++;
                }
                var at = Array.BinarySearch(res.Ids, target);
                outcomes[start + j] = new Outcome(res.Q, support, res.Steps, res.Retrieved == target, oneHot, violations, at < 0 ? 0 : res.Weights[at]);
            }
        }
        return (outcomes, roundTrips, bytes);
    }

    private static float[] ToFloat(double[] v)
    {
        var f = new float[v.Length];
        for (var i = 0; i < v.Length; i++) f[i] = (float)v[i];
        return f;
    }

    private static double Dot(double[] a, ReadOnlySpan<double> b)
    {
        var s = 0.0;
        for (var k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }
}
