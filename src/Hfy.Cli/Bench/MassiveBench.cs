using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hfy.Cli.Commands;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Bench;

/// <summary>Options of <c>hfy bench massive</c>.</summary>
/// <param name="Rows">Rows N of the float32 / half / bit-packed banks.</param>
/// <param name="Dim">Dimension D of those banks.</param>
/// <param name="Batch">Queries per fused pass.</param>
/// <param name="Repeats">Timed repeats (best reported).</param>
/// <param name="ProceduralRows">Rows of the procedural generation + scoring cells.</param>
/// <param name="CapacityPatterns">P of the capacity cell (0: skip it).</param>
/// <param name="CapacityDim">D of the capacity cell.</param>
/// <param name="CapacityBeta">β of the capacity cell.</param>
/// <param name="Noise">Query noise σ: q₀ = normalize(x + σ ξ), ξ ~ N(0, I/D).</param>
/// <param name="Steps">Most retrieval steps of the capacity cell.</param>
/// <param name="CapacityOnly">Run the capacity cell only.</param>
/// <param name="CapacityCluster">Bank nodes of an embedded cluster for the capacity cell (0: in this process).</param>
public sealed record MassiveBenchOptions(
    int Rows = 4_000_000,
    int Dim = 64,
    int Batch = 64,
    int Repeats = 3,
    long ProceduralRows = 4_000_000,
    long CapacityPatterns = 1_000_000_000,
    int CapacityDim = 32,
    double CapacityBeta = 256,
    double Noise = 0.3,
    int Steps = 5,
    bool CapacityOnly = false,
    int CapacityCluster = 0);

/// <summary>One retrieval map of the capacity cell.</summary>
/// <param name="Map">softmax or sparsemax.</param>
/// <param name="Retrieved">Queries whose final state has cosine ≥ 0.99 with their stored pattern.</param>
/// <param name="MeanCosine">Mean final cosine with the stored pattern.</param>
/// <param name="MeanSupport">Mean number of rows with weight &gt; 0 in float64 at the final state.</param>
/// <param name="StepsRun">Most steps a query of this map took (converged or the limit).</param>
/// <param name="Seconds">Wall time of this map's 64 queries.</param>
/// <param name="Passes">Passes over the store (in-process run; 0 on the cluster, where the partitions count them).</param>
/// <param name="RoundTrips">Cluster rounds (0 in process).</param>
public sealed record CapacityMapResult(string Map, int Retrieved, double MeanCosine, double MeanSupport, int StepsRun, double Seconds = 0, long Passes = 0, int RoundTrips = 0);

/// <summary>The figures <c>hfy bench massive</c> prints.</summary>
public sealed record MassiveBenchReport(
    int Cores,
    string Simd,
    double PeakGflops,
    double ReadGBps,
    double FusedMaxGflops,
    double FusedStepGflops,
    double UnfusedGflops,
    double SingleGBps,
    IReadOnlyList<(int Dim, double GenRowsPerSec, double GenScoreRowsPerSec)> Procedural,
    IReadOnlyList<(string Kind, long Bytes, double Ms, double Gflops)> Kinds,
    CapacityReport? Capacity,
    IReadOnlyList<(string Map, double Ms, long Support, double FusedMs)>? FullSteps = null);

/// <summary>The capacity cell's figures.</summary>
/// <param name="Patterns">P.</param>
/// <param name="Dim">D.</param>
/// <param name="Beta">β.</param>
/// <param name="Seconds">Wall time of the whole cell (both maps, all steps).</param>
/// <param name="Passes">Passes over the store, every map (in process; 0 on the cluster).</param>
/// <param name="PeakRssMB">Peak resident set of the process after the cell (VmHWM).</param>
/// <param name="Maps">Per map.</param>
/// <param name="Nodes">Bank nodes of the embedded cluster (0: in process).</param>
public sealed record CapacityReport(long Patterns, int Dim, double Beta, double Seconds, long Passes, double PeakRssMB, IReadOnlyList<CapacityMapResult> Maps, int Nodes = 0);

/// <summary>
/// <c>hfy bench massive</c> (issue 12): the machine's limits (FMA peak and all-core streaming read bandwidth) and, in
/// the same run, the fused batched scorer against them on 4,000,000 × 64 float32, single-query scoring against the read
/// bandwidth, procedural generation + scoring, float16 and bit-packed stores against float32, and a retrieval
/// capacity cell on a procedural sphere bank of up to 10⁹ patterns (time and peak RSS).
/// </summary>
public static class MassiveBench
{
    internal static Command CreateCommand()
    {
        var rows = CliOption.WithDefault("--rows", "rows N of the float32 / half / bit-packed banks (default 4,000,000)", 4_000_000, Rule.AtLeast(64));
        var dim = CliOption.WithDefault("--dim", "dimension D of those banks (default 64)", 64, Rule.AtLeast(1));
        var batch = CliOption.WithDefault("--batch", "queries per fused pass (default 64)", 64, Rule.AtLeast(1));
        var repeats = CliOption.WithDefault("--repeats", "timed repeats; the best is reported (default 3)", 3, Rule.AtLeast(1));
        var procRows = CliOption.WithDefault("--procedural-rows", "rows of the procedural generation + scoring cells (default 4e6)", 4e6, Rule.AtLeast(64.0));
        var patterns = CliOption.WithDefault("--capacity-patterns", "P of the capacity cell: 1e9 (default) for the full cell, e.g. 1e7 for a quick check, 0 to skip", 1e9,
            v => v == 0 || (v >= 64 && v <= int.MaxValue * 16.0) ? null : $"must be 0 or in 64..{int.MaxValue * 16L} (got {v})");
        var beta = CliOption.WithDefault("--capacity-beta", "β of the capacity cell (default 256)", 256.0, Rule.Positive);
        var noise = CliOption.WithDefault("--noise", "query noise σ of the capacity cell (default 0.3)", 0.3, Rule.NonNegative);
        var steps = CliOption.WithDefault("--steps", "most retrieval steps of the capacity cell (default 5)", 5, Rule.AtLeast(1));
        var only = new Option<bool>("--capacity-only") { Description = "run the capacity cell only" };
        var clusterNodes = CliOption.WithDefault("--capacity-cluster", "run the capacity cell on an embedded cluster of this many bank nodes (default 0: in this process)", 0, Rule.AtLeast(0));
        var command = new Command("massive", "Fused batched scoring vs the FMA peak, store kinds, procedural generation, a 10⁹-pattern capacity cell");
        foreach (var o in new Option[] { rows, dim, batch, repeats, procRows, patterns, beta, noise, steps, only, clusterNodes }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var o = new MassiveBenchOptions(
                parse.GetValue(rows),
                parse.GetValue(dim),
                parse.GetValue(batch),
                parse.GetValue(repeats),
                (long)parse.GetValue(procRows),
                (long)parse.GetValue(patterns),
                32,
                parse.GetValue(beta),
                parse.GetValue(noise),
                parse.GetValue(steps),
                parse.GetValue(only),
                parse.GetValue(clusterNodes));
            if ((long)o.Rows * o.Dim > Array.MaxLength) throw new CliUsageException($"rows: {o.Rows} × dim {o.Dim} must stay within {Array.MaxLength} floats");
            Print(Run(o, output), output);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs every cell; progress lines go to <paramref name="log"/>.</summary>
    public static MassiveBenchReport Run(MassiveBenchOptions o, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(log);
        // The capacity cell first, so its peak RSS is not the 1 GiB float32 bank of the other cells.
        var capacity = o.CapacityPatterns > 0 ? Capacity(o, log) : null;
        if (o.CapacityOnly)
        {
            return new MassiveBenchReport(Environment.ProcessorCount, MachineLimits.SimdName(), double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, [], [], capacity);
        }

        var peakBefore = MachineLimits.FmaPeakGflops(runs: 3);
        log.WriteLine(Inv($"FMA peak {peakBefore:F1} GFLOP/s"));
        var dim = o.Dim;
        var n = o.Rows;
        var data = new float[(long)n * dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 1, n, dim).DecodeRowsParallel(data);
        var bank = new Bank(data, n, dim);
        var bytes = data.LongLength * sizeof(float);
        var readMs = MachineLimits.BestMs(o.Repeats, () => MachineLimits.SimdSum(data));
        var read = bytes / readMs / 1e6;
        log.WriteLine(Inv($"read bandwidth {read:F1} GB/s"));

        var queries = new float[o.Batch * dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 3, o.Batch, dim).DecodeRows(0, o.Batch, queries);
        var flops = 2.0 * n * dim * o.Batch;
        var maxOnly = FusedScoreRequest.ForAll(1.0, o.Batch, new QueryReduction());
        var fusedMaxMs = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(bank, queries, o.Batch, maxOnly));
        // A sparsemax step's reduction at β = 10: max and candidates within 1 of it.
        var step = FusedScoreRequest.ForAll(10.0, o.Batch, new QueryReduction(Margin: 1.0));
        var fusedStepMs = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(bank, queries, o.Batch, step));
        // The peak again right after the fused runs: on a shared machine the ratio uses the mean of the two.
        var peakAfter = MachineLimits.FmaPeakGflops(runs: 3);
        var peak = 0.5 * (peakBefore + peakAfter);
        log.WriteLine(Inv($"fused: max {flops / fusedMaxMs / 1e6:F1} GFLOP/s, max + candidates {flops / fusedStepMs / 1e6:F1} GFLOP/s; FMA peak after {peakAfter:F1} GFLOP/s"));
        double unfusedMs;
        {
            var scores = new float[(long)o.Batch * n];
            unfusedMs = MachineLimits.BestMs(1, () => Scorer.ScoreBatch(data, dim, queries, o.Batch, 1.0, scores));
        }
        GC.Collect();
        var q1 = queries.AsSpan(0, dim).ToArray();
        var single = new float[n];
        var singleMs = MachineLimits.BestMs(o.Repeats, () => Scorer.Score(data, dim, q1, 1.0, single));

        var kinds = new List<(string, long, double, double)> { ("float32", bytes, fusedMaxMs, flops / fusedMaxMs / 1e6) };
        {
            var half = HalfStore.From(bank);
            var ms = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(half, queries, o.Batch, maxOnly));
            kinds.Add(("float16", half.ResidentBytes, ms, flops / ms / 1e6));
        }
        GC.Collect();
        {
            var bits = BitPackedStore.From(bank);
            var ms = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(bits, queries, o.Batch, maxOnly));
            kinds.Add(("±1 bit-packed", bits.ResidentBytes, ms, flops / ms / 1e6));
        }
        GC.Collect();

        // A full batched step through the engine (score pass + map + readout of the support rows; the bank seen as a
        // store, so it streams): p at q₀ for the 64 queries (T = 0), β = 10.
        // Each step's ratio is to a fused max-only pass over the same store timed just before it (the load of a shared
        // machine changes between cells; this keeps each ratio a same-moment comparison).
        var fullSteps = new List<(string, double, long, double)>();
        var streamed = new RowRangeStore(bank, 0, n);
        foreach (var map in new[] { MapSpec.Softmax, MapSpec.Sparsemax, MapSpec.Entmax(1.5), MapSpec.Normmax(2), MapSpec.KSubsets(5) })
        {
            var options = new RetrievalOptions(map, 10, 0);
            RetrievalResult[] last = [];
            var scoreMs = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(streamed, queries, o.Batch, maxOnly));
            var ms = MachineLimits.BestMs(o.Repeats, () => last = HfyDynamics.RunBatch(streamed, queries, o.Batch, options, null, out _));
            fullSteps.Add((map.Label, ms, (long)last.Average(r => r.SupportSize), scoreMs));
            log.WriteLine(Inv($"full step {map.Label}: {ms:F0} ms ({scoreMs / ms:F2} × the fused scoring rate, {scoreMs:F0} ms just before)"));
        }
        bank = null;
        data = null;
        single = null;
        GC.Collect();

        var procedural = new List<(int, double, double)>();
        foreach (var d in new[] { 32, 64 })
        {
            var store = new ProceduralStore(ProceduralEnsemble.Sphere, 5, o.ProceduralRows, d);
            var genMs = MachineLimits.BestMs(o.Repeats, () => GenerateOnly(store));
            var q = new float[o.Batch * d];
            new ProceduralStore(ProceduralEnsemble.Sphere, 6, o.Batch, d).DecodeRows(0, o.Batch, q);
            var scoreMs = MachineLimits.BestMs(o.Repeats, () => FusedScorer.Run(store, q, o.Batch, FusedScoreRequest.ForAll(1.0, o.Batch, new QueryReduction())));
            procedural.Add((d, o.ProceduralRows / genMs * 1e3, o.ProceduralRows / scoreMs * 1e3));
            log.WriteLine(Inv($"procedural D = {d}: generation {o.ProceduralRows / genMs * 1e3:N0} rows/s, generation + scoring {o.ProceduralRows / scoreMs * 1e3:N0} rows/s"));
        }

        return new MassiveBenchReport(Environment.ProcessorCount, MachineLimits.SimdName(), peak, read, flops / fusedMaxMs / 1e6, flops / fusedStepMs / 1e6,
            flops / unfusedMs / 1e6, bytes / singleMs / 1e6, procedural, kinds, capacity, fullSteps);
    }

    /// <summary>Prints the report.</summary>
    public static void Print(MassiveBenchReport r, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Inv($"{r.Cores} cores, {r.Simd}"));
        if (!double.IsNaN(r.PeakGflops))
        {
            output.WriteLine(Inv($"measured FMA peak (all cores, mean of before/after the fused runs): {r.PeakGflops,8:F1} GFLOP/s"));
            output.WriteLine(Inv($"streaming read bandwidth (all cores):         {r.ReadGBps,8:F1} GB/s"));
            output.WriteLine(Inv($"fused batched scoring, max only:              {r.FusedMaxGflops,8:F1} GFLOP/s = {r.FusedMaxGflops / r.PeakGflops:P0} of peak (target ≥ 50%)"));
            output.WriteLine(Inv($"fused batched scoring, max + candidates:      {r.FusedStepGflops,8:F1} GFLOP/s = {r.FusedStepGflops / r.PeakGflops:P0} of peak"));
            output.WriteLine(Inv($"unfused ScoreBatch (writes B × N scores):     {r.UnfusedGflops,8:F1} GFLOP/s = {r.UnfusedGflops / r.PeakGflops:P0} of peak"));
            output.WriteLine(Inv($"single-query scoring:                         {r.SingleGBps,8:F1} GB/s = {r.SingleGBps / r.ReadGBps:F2} of read bandwidth (target ≥ 0.9)"));
            foreach (var (kind, bytes, ms, gflops) in r.Kinds)
            {
                output.WriteLine(Inv($"  store {kind,-14} {bytes / 1e6,9:F1} MB  fused pass {ms,9:F1} ms  {gflops,7:F1} GFLOP/s  ({r.Kinds[0].Ms / ms:F2} × float32 speed)"));
            }
            foreach (var (map, ms, support, fusedMs) in r.FullSteps ?? [])
            {
                // Softmax's readout Xᵀp is dense: a second N × D × B product as large as the scoring, so its step cannot
                // take less than twice the scoring time at the scoring's flop rate; its rate is also given counting both.
                var dense = map == MapSpec.Softmax.Label
                    ? Inv($"; counting the dense readout's flops (2 N D B, as many as the scoring) {2 * fusedMs / ms:F2} × the scoring's GFLOP/s")
                    : "";
                output.WriteLine(Inv($"  full step (score + map + readout, β = 10) {map,-14} {ms,8:F1} ms = {fusedMs / ms:F2} × the fused scoring rate (target ≥ 0.8){dense}, mean support {support:N0}"));
            }
            foreach (var (d, gen, both) in r.Procedural)
            {
                output.WriteLine(Inv($"  procedural sphere D = {d,-3} generation {gen / 1e6,7:F1} M rows/s   generation + fused scoring of the batch {both / 1e6,7:F1} M rows/s"));
            }
        }
        if (r.Capacity is { } c)
        {
            var where = c.Nodes > 0 ? Inv($"an embedded cluster of {c.Nodes} bank nodes") : "this process";
            output.WriteLine(Inv($"capacity cell: P = {c.Patterns:N0} procedural sphere patterns, D = {c.Dim}, β = {c.Beta:G}, 64 queries per map, on {where} (the step driver over a procedural store)"));
            // The cluster's passes run in the partitions (each map's line gives its rounds); this process counts its own.
            var passes = c.Nodes > 0 ? "" : Inv($"{c.Passes} passes, ");
            output.WriteLine(Inv($"  wall {c.Seconds:F1} s (target ≤ 600 s), {passes}peak RSS {c.PeakRssMB:F0} MB (target ≤ 2000 MB)"));
            foreach (var m in c.Maps)
            {
                var rounds = c.Nodes > 0 ? Inv($"{m.RoundTrips} rounds") : Inv($"{m.Passes} passes");
                output.WriteLine(Inv($"  {m.Map,-10} retrieved {m.Retrieved,2}/64  mean cosine {m.MeanCosine:F6}  mean support {m.MeanSupport:N1}  steps {m.StepsRun}  {m.Seconds:F1} s  {rounds}"));
            }
        }
    }

    /// <summary>
    /// Retrieval on a procedural sphere bank (vector generator): 64 queries, each a stored pattern plus noise, run
    /// through the engine for softmax and for sparsemax, up to <see cref="MassiveBenchOptions.Steps"/> steps, stopping
    /// when the state no longer moves (docs/math.md §1): in this process <see cref="HfyDynamics.RunBatch(IPatternStore, ReadOnlySpan{float}, int, RetrievalOptions, StoreSourceSettings?, out long)"/>
    /// (the step driver over a <see cref="StoreScoreSource"/>), or an embedded cluster whose procedural partitions stream
    /// every round. Softmax sums skip rows with e^{θ−m} &lt; 10⁻¹²/P (relative error &lt; 10⁻¹²).
    /// </summary>
    private static CapacityReport Capacity(MassiveBenchOptions o, TextWriter log)
    {
        const int perMap = 64;
        const double tolerance = 1e-12;
        var where = o.CapacityCluster > 0 ? Inv($"an embedded cluster of {o.CapacityCluster} bank nodes") : "this process";
        log.WriteLine(Inv($"capacity cell: P = {o.CapacityPatterns:N0}, D = {o.CapacityDim}, β = {o.CapacityBeta:G}, noise σ = {o.Noise:G}, on {where}"));
        var dim = o.CapacityDim;
        var spec = new BankSpec("capacity", o.CapacityPatterns, dim, BankSourceKind.Sphere, 2026, Storage: BankStorage.Procedural, Generator: ProceduralGenerator.Vector);
        var store = BankSources.OpenStore(spec);
        var noise = new float[perMap * dim];
        new ProceduralStore(ProceduralEnsemble.Gaussian, 77, perMap, dim).DecodeRows(0, perMap, noise);
        var rng = new Random(12);
        var targets = Enumerable.Range(0, perMap).Select(_ => rng.NextInt64(o.CapacityPatterns)).ToArray();
        var queries = new float[perMap * dim];
        var x = new float[dim];
        for (var i = 0; i < perMap; i++)
        {
            store.ReadRow(targets[i], x);
            var q = new double[dim];
            for (var k = 0; k < dim; k++) q[k] = x[k] + o.Noise * noise[i * dim + k] / Math.Sqrt(dim);
            var norm = Math.Sqrt(q.Sum(v => v * v));
            for (var k = 0; k < dim; k++) queries[i * dim + k] = (float)(q[k] / norm);
        }

        var total = Stopwatch.StartNew();
        var maps = new List<CapacityMapResult>();
        long passes = 0;
        foreach (var map in new[] { MapSpec.Softmax, MapSpec.Sparsemax })
        {
            var options = new RetrievalOptions(map, o.CapacityBeta, o.Steps, Tol: 1e-6, Post: PostTransform.L2);
            var clock = Stopwatch.StartNew();
            RetrievalResult[] results;
            long mapPasses = 0;
            var rounds = 0;
            if (o.CapacityCluster > 0)
            {
                // A pass over 10⁹ rows takes minutes on two cores: rounds and requests may take that long.
                var settings = new Hfy.Actors.Retrieval.RetrievalSettings
                {
                    SoftmaxTolerance = tolerance,
                    RoundTimeout = TimeSpan.FromMinutes(30),
                    RequestTimeout = TimeSpan.FromHours(2),
                };
                var batch = Hfy.Coordinator.Engine.ClusterRetrieval.RunAsync(spec, queries, perMap, options, o.CapacityCluster, settings).GetAwaiter().GetResult();
                results = batch.Results;
                rounds = batch.Stats.RoundTrips;
            }
            else
            {
                results = HfyDynamics.RunBatch(store, queries, perMap, options, new StoreSourceSettings { SoftmaxTolerance = tolerance }, out mapPasses);
            }

            passes += mapPasses;
            var retrieved = 0;
            var cosSum = 0.0;
            for (var i = 0; i < perMap; i++)
            {
                store.ReadRow(targets[i], x);
                var q = results[i].Q;
                double dot = 0, nq = 0, nx = 0;
                for (var k = 0; k < dim; k++)
                {
                    dot += q[k] * x[k];
                    nq += q[k] * q[k];
                    nx += (double)x[k] * x[k];
                }
                var cos = dot / Math.Sqrt(nq * nx);
                cosSum += cos;
                if (results[i].Retrieved == targets[i]) retrieved++;
            }
            var name = map.Label;
            maps.Add(new CapacityMapResult(name, retrieved, cosSum / perMap, results.Average(r => (double)r.SupportSize), results.Max(r => r.Steps), clock.Elapsed.TotalSeconds, mapPasses, rounds));
            log.WriteLine(Inv($"capacity P = {o.CapacityPatterns:N0}: {name} done in {clock.Elapsed.TotalSeconds:F1} s ({retrieved}/64 retrieved exactly)"));
        }

        var rss = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6;
        return new CapacityReport(o.CapacityPatterns, dim, o.CapacityBeta, total.Elapsed.TotalSeconds, passes, rss, maps, o.CapacityCluster);
    }

    private static void GenerateOnly(IPatternStore store)
    {
        const int tile = 384;
        var tiles = (store.Rows + tile - 1) / tile;
        const int chunks = 64;
        Parallel.For(0, chunks, c =>
        {
            var buffer = new float[tile * store.Dim];
            for (var t = tiles * c / chunks; t < tiles * (c + 1) / chunks; t++)
            {
                var first = t * tile;
                store.Tile(first, (int)Math.Min(tile, store.Rows - first), buffer);
            }
        });
    }

    private static void DecodeRowsParallel(this IPatternStore store, float[] dest)
    {
        var block = 1 << 14;
        Parallel.For(0, (int)((store.Rows + block - 1) / block), b =>
        {
            var first = (long)b * block;
            var n = (int)Math.Min(block, store.Rows - first);
            store.DecodeRows(first, n, dest.AsSpan((int)(first * store.Dim), n * store.Dim));
        });
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
