using System.Diagnostics;
using System.Globalization;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;
using Hfy.Kernels.Structured;

namespace Hfy.Coordinator.Bench;

/// <summary>One measured solver on the benchmark's score vector.</summary>
/// <param name="Map">Map label.</param>
/// <param name="MedianMs">Median wall time of one Forward over the whole score vector.</param>
/// <param name="BestMs">Best of the repeats.</param>
/// <param name="Candidates">Rows handed to the active set (seq k-subsets) or above the support bound.</param>
/// <param name="Iterations">Active-set iterations (AD3 counting); 0 for plain k-subsets.</param>
/// <param name="OracleCalls">MAP oracle calls; 0 for plain k-subsets.</param>
/// <param name="ActiveStructures">Structures with positive weight at the solution.</param>
/// <param name="Support">Rows with μ_i &gt; 0.</param>
/// <param name="Gap">Final Frank-Wolfe gap (NaN for plain k-subsets).</param>
public sealed record StructuredBenchRow(string Map, double MedianMs, double BestMs, int Candidates, int Iterations,
    int OracleCalls, int ActiveStructures, int Support, double Gap);

/// <summary>
/// <c>hfy bench structured</c> (issue 3): sequential k-subsets SparseMAP (default k = 10, w = 0.5) on N = 1,000,000
/// scores, next to plain k-subsets (capped-simplex projection) on the same scores, and the published-code
/// compatibility mode. Scores are i.i.d. N(0, σ²) from the seeded bank generator (one row of N values).
/// </summary>
public static class StructuredBench
{
    /// <summary>Runs the benchmark and returns its rows.</summary>
    public static IReadOnlyList<StructuredBenchRow> Run(int n, int k, double w, double sigma, int repeats, ulong seed = 7)
    {
        if (n < k || k < 1) throw new ArgumentException($"k: must be in 1..{n} (got {k})", nameof(k));
        var raw = new float[n];
        BankGenerator.Fill(BankSourceKind.Gaussian, seed, n, 0, raw);
        var theta = Array.ConvertAll(raw, v => sigma * v);
        var p = new double[n];
        var rows = new List<StructuredBenchRow>();

        foreach (var spec in new[] { MapSpec.SeqKSubsets(k, w), MapSpec.SeqKSubsets(k, w, compat: true) })
        {
            var map = new SeqKSubsetsMap(spec);
            var times = Time(() => map.Forward(theta, p), repeats);
            var sol = map.LastSolution!;
            rows.Add(new StructuredBenchRow(spec.Label, Median(times), times.Min(), sol.Marginals.Length, sol.Iterations,
                sol.OracleCalls, sol.Structures.Count, p.Count(v => v > 0), sol.Gap));
        }

        var plainSpec = MapSpec.KSubsets(k);
        var plain = MapFactory.Create(plainSpec);
        var plainTimes = Time(() => plain.Forward(theta, p), repeats);
        double kth = theta.OrderByDescending(v => v).ElementAt(k - 1);
        rows.Add(new StructuredBenchRow(plainSpec.Label, Median(plainTimes), plainTimes.Min(), theta.Count(v => v > kth - 1),
            0, 0, 0, p.Count(v => v > 0), double.NaN));
        return rows;
    }

    /// <summary>Prints the rows as a table.</summary>
    public static void Print(IReadOnlyList<StructuredBenchRow> rows, int n, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"structured maps on N = {n:N0} scores, one Forward each (median / best of the repeats)"));
        output.WriteLine($"{"map",-26} {"median ms",10} {"best ms",9} {"cands",7} {"iters",6} {"oracle",7} {"structs",8} {"support",8} {"gap",10}");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Map,-26} {r.MedianMs,10:F2} {r.BestMs,9:F2} {r.Candidates,7} {r.Iterations,6} {r.OracleCalls,7} {r.ActiveStructures,8} {r.Support,8} {r.Gap,10:G3}"));
        }
    }

    private static double[] Time(Action action, int repeats)
    {
        // Warm-up: tiered JIT needs a few calls before the optimized code runs.
        for (int w = 0; w < 3; w++) action();
        var times = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[r] = sw.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }
}
