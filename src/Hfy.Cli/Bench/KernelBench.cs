using System.Diagnostics;
using System.Globalization;
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

        var readMs = MachineLimits.BestMs(repeats, () => MachineLimits.SimdSum(data));
        var q = new float[dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 2, dim, 0, q); // a unit query that is not a stored pattern
        var scores = new float[rows];
        var scoreMs = MachineLimits.BestMs(repeats, () => Scorer.Score(data, dim, q, 1.0, scores));

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
            var ms = MachineLimits.BestMs(repeats, () =>
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
        var batchMs = MachineLimits.BestMs(Math.Max(1, repeats / 2), () => Scorer.ScoreBatch(data, dim, queries, batch, 1.0, batchScores));
        var flops = 2.0 * rows * dim * batch;
        var peak = MachineLimits.FmaPeakGflops(runs: 2);

        return new KernelBenchReport(rows, dim, Environment.ProcessorCount, MachineLimits.SimdName(), readMs, bytes / readMs / 1e6, scoreMs,
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

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
