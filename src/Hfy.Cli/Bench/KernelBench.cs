using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Bench;

/// <summary>What one map step costs on top of scoring.</summary>
/// <param name="Map">Map label.</param>
/// <param name="Candidates">Scores above the map's support bound.</param>
/// <param name="Support">Rows with weight &gt; 0.</param>
/// <param name="ExtraMs">Threshold search + sparse readout, best of the repeats.</param>
/// <param name="FractionOfScoring">ExtraMs / single-query scoring time.</param>
public sealed record MapStepCost(string Map, int Candidates, int Support, double ExtraMs, double FractionOfScoring);

/// <summary>The figures <c>hfy bench kernels</c> prints.</summary>
public sealed record KernelBenchReport(
    int Rows,
    int Dim,
    int Cores,
    string Simd,
    double ReadMs,
    double ReadGBps,
    double ScoreMs,
    double ScoreGBps,
    double BandwidthRatio,
    double Beta,
    IReadOnlyList<MapStepCost> Maps,
    int Batch,
    double BatchMs,
    double BatchGflops,
    double PeakGflops);

/// <summary>
/// The kernel benchmark (issue 2): on one float32 bank it measures the machine's own read bandwidth (a SIMD sum over
/// the same buffer, all cores), single-query scoring (time, GB/s, ratio to that bandwidth), the extra time the threshold
/// search and sparse readout add for entmax-1.5, sparsemax, normmax-2 and k-subsets, and batched scoring in GFLOP/s next
/// to a measured FMA peak. Best of <c>repeats</c> runs each.
/// </summary>
public static class KernelBench
{
    /// <summary>Runs the benchmark; progress lines go to <paramref name="log"/>.</summary>
    public static KernelBenchReport Run(int rows, int dim, int batch, int repeats, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        BlockLimits.CheckedElements(rows, dim, "rows");
        var data = new float[(long)rows * dim];
        var sw = Stopwatch.StartNew();
        var chunk = 16384;
        Parallel.For(0, (rows + chunk - 1) / chunk, c =>
        {
            var first = c * chunk;
            var count = Math.Min(chunk, rows - first);
            BankGenerator.Fill(BankSourceKind.Sphere, 1, dim, first, data.AsSpan(first * dim, count * dim));
        });
        log.WriteLine(Inv($"generated {rows:N0} × {dim} sphere bank ({data.LongLength * 4 / 1048576.0:F1} MiB) in {sw.Elapsed.TotalSeconds:F1} s"));
        var bytes = data.LongLength * sizeof(float);

        var readMs = Best(repeats, () => SimdSum(data));
        var q = new float[dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 2, dim, 0, q); // a unit query that is not a stored pattern
        var scores = new float[rows];
        var scoreMs = Best(repeats, () => Scorer.Score(data, dim, q, 1.0, scores));

        // β = 10 on unit vectors in D = 64: scores have sd ≈ 1.25, so each map keeps a realistic handful of candidates.
        const double beta = 10.0;
        Scorer.Score(data, dim, q, beta, scores);
        var maps = new List<MapStepCost>();
        foreach (var spec in new[] { MapSpec.Entmax(1.5), MapSpec.Sparsemax, MapSpec.Normmax(2), MapSpec.KSubsets(4) })
        {
            var map = MapFactory.Create(spec);
            var ws = new MapWorkspace();
            var z = new double[dim];
            SparseWeights? p = null;
            var ms = Best(repeats, () =>
            {
                p = MapStep.Apply(map, scores, ws);
                z.AsSpan().Clear();
                Readout.Accumulate(data, dim, p.Ids, p.Weights, z);
            });
            var candidates = CountCandidates(map, scores);
            maps.Add(new MapStepCost(spec.Label, candidates, p!.Ids.Length, ms, ms / scoreMs));
        }

        var queries = new float[batch * dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 3, dim, 0, queries);
        var batchScores = new float[(long)batch * rows];
        var batchMs = Best(Math.Max(1, repeats / 2), () => Scorer.ScoreBatch(data, dim, queries, batch, 1.0, batchScores));
        var flops = 2.0 * rows * dim * batch;
        var peak = MeasureFmaPeak();

        return new KernelBenchReport(rows, dim, Environment.ProcessorCount, SimdName(), readMs, bytes / readMs / 1e6, scoreMs,
            bytes / scoreMs / 1e6, readMs / scoreMs, beta, maps, batch, batchMs, flops / batchMs / 1e6, peak);
    }

    /// <summary>Prints the report as the lines the README quotes.</summary>
    public static void Print(KernelBenchReport r, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Inv($"bank: {r.Rows:N0} × {r.Dim} float32 ({r.Rows * (double)r.Dim * 4 / 1e9:F2} GB), {r.Cores} cores, {r.Simd}"));
        output.WriteLine(Inv($"read bandwidth (SIMD sum over the same buffer): {r.ReadMs,8:F2} ms  {r.ReadGBps,6:F1} GB/s"));
        output.WriteLine(Inv($"single-query scoring θ = βXq:                 {r.ScoreMs,8:F2} ms  {r.ScoreGBps,6:F1} GB/s  = {r.BandwidthRatio:F2} of read bandwidth (target ≥ 0.8)"));
        output.WriteLine(Inv($"threshold search + sparse readout on top of scoring (β = {r.Beta:G}, unit query):"));
        foreach (var m in r.Maps)
        {
            output.WriteLine(Inv($"  {m.Map,-12} candidates {m.Candidates,7:N0}  support {m.Support,5:N0}  extra {m.ExtraMs,7:F3} ms  = {100 * m.FractionOfScoring,5:F2}% of scoring (target ≤ 10%)"));
        }
        output.WriteLine(Inv($"batched scoring, {r.Batch} queries:                  {r.BatchMs,8:F2} ms  {r.BatchGflops,6:F1} GFLOP/s  (measured FMA peak {r.PeakGflops:F1} GFLOP/s, {r.BatchGflops / r.PeakGflops:P0})"));
        // The query-major float32 output (batch × N scores) is as large as the bank itself at batch = D: report the traffic.
        var movedGB = (double)r.Rows * (r.Dim + r.Batch) * sizeof(float) / 1e9;
        output.WriteLine(Inv($"  (reads the bank once and writes {r.Batch} × {r.Rows:N0} scores: {movedGB:F2} GB, {movedGB / (r.BatchMs / 1e3):F1} GB/s)"));
    }

    private static int CountCandidates(IMap map, float[] scores)
    {
        if (map is not IThresholdMap tm) return scores.Length;
        var bound = tm.SupportBound(Candidates.KthLargest(scores, tm.AnchorRank));
        var list = new List<int>();
        Candidates.Above(scores, (float)bound, list);
        return list.Count;
    }

    private static double Best(int repeats, Action action)
    {
        action(); // warm-up (JIT, page faults)
        var best = double.MaxValue;
        for (var i = 0; i < Math.Max(1, repeats); i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    /// <summary>Sums the whole buffer with SIMD on all cores (the same chunking as the scorer): the read-bandwidth reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float SimdSum(float[] data)
    {
        var chunk = 1 << 16;
        var tasks = (int)((data.LongLength + chunk - 1) / chunk);
        var partial = new float[tasks];
        fixed (float* p = data)
        {
            var pa = (nint)p;
            Parallel.For(0, tasks, t =>
            {
                var start = (long)t * chunk;
                var end = Math.Min(data.LongLength, start + chunk);
                var ptr = (float*)pa;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                var i = start;
                for (; i + 32 <= end; i += 32)
                {
                    a0 += Vector256.Load(ptr + i);
                    a1 += Vector256.Load(ptr + i + 8);
                    a2 += Vector256.Load(ptr + i + 16);
                    a3 += Vector256.Load(ptr + i + 24);
                }
                var s = Vector256.Sum(a0 + a1 + a2 + a3);
                for (; i < end; i++) s += ptr[i];
                partial[t] = s;
            });
        }
        return partial.Sum();
    }

    /// <summary>FMA peak: independent FMA chains in registers on every core, 2 FLOP per lane per FMA.</summary>
    private static double MeasureFmaPeak()
    {
        var cores = Environment.ProcessorCount;
        var iterations = 100_000;
        double Once()
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, cores, _ => FmaLoop(iterations));
            return sw.Elapsed.TotalSeconds;
        }
        // Grow the loop until one run takes ≥ 50 ms, so timer and thread start-up are negligible.
        while (Once() < 0.05 && iterations < 100_000_000) iterations *= 4;
        var seconds = Math.Min(Once(), Once());
        var lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        return 2.0 * lanes * 12 * iterations * (double)cores / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(int iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(0.999999f);
            var a = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (var i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
                c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            }
            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        var m2 = Vector256.Create(0.999999f);
        var a2 = Vector256.Create(1e-7f);
        Vector256<float> d0 = Vector256.Create(1f), d1 = d0, d2 = d0, d3 = d0, d4 = d0, d5 = d0, d6 = d0, d7 = d0, d8 = d0, d9 = d0, d10 = d0, d11 = d0;
        for (var i = 0; i < iterations; i++)
        {
            d0 = Vector256.MultiplyAddEstimate(d0, m2, a2); d1 = Vector256.MultiplyAddEstimate(d1, m2, a2);
            d2 = Vector256.MultiplyAddEstimate(d2, m2, a2); d3 = Vector256.MultiplyAddEstimate(d3, m2, a2);
            d4 = Vector256.MultiplyAddEstimate(d4, m2, a2); d5 = Vector256.MultiplyAddEstimate(d5, m2, a2);
            d6 = Vector256.MultiplyAddEstimate(d6, m2, a2); d7 = Vector256.MultiplyAddEstimate(d7, m2, a2);
            d8 = Vector256.MultiplyAddEstimate(d8, m2, a2); d9 = Vector256.MultiplyAddEstimate(d9, m2, a2);
            d10 = Vector256.MultiplyAddEstimate(d10, m2, a2); d11 = Vector256.MultiplyAddEstimate(d11, m2, a2);
        }
        return Vector256.Sum(d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10 + d11);
    }

    private static string SimdName() =>
        Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)" : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)" : "no wide SIMD";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
