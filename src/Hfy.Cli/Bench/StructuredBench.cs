using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hfy.Cli.Commands;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Bench;

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
/// compatibility mode. Scores are a stationary AR(1) sequence with N(0, σ²) marginals and lag-one correlation c
/// (default 0.9) built from the seeded bank generator, so that high-scoring rows come in runs.
/// </summary>
public static class StructuredBench
{
    /// <summary><c>hfy bench structured [--rows 1000000] [--k 10] [--w 0.5] [--sigma 1] [--corr 0.9] [--repeats 7]</c>.</summary>
    internal static Command CreateCommand()
    {
        var rows = CommonOptions.BenchRows(1_000_000, min: 2, "number of scores N");
        var k = CliOption.WithDefault("--k", "rows per structure, 1 ≤ k ≤ N (default 10)", 10);
        var w = CliOption.WithDefault("--w", "pair bonus (default 0.5)", 0.5, Rule.Finite);
        var sigma = CliOption.WithDefault("--sigma", "scores are N(0, σ²) (default 1)", 1.0, Rule.Positive);
        var corr = CliOption.WithDefault("--corr", "lag-one correlation of the scores in [0, 1) (default 0.9)", 0.9,
            c => c >= 0 && c < 1 ? null : $"must be in [0, 1) (got {JsonIo.Show(c)})");
        var repeats = CommonOptions.BenchRepeats("timed repeats after 3 warm-up runs", 7);
        var command = new Command("structured", "Sequential k-subsets SparseMAP vs plain k-subsets on N scores: time per solve, active-set iterations");
        foreach (var o in new Option[] { rows, k, w, sigma, corr, repeats }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var (n, kk, ww, s, r, c) = (parse.GetValue(rows), parse.GetValue(k), parse.GetValue(w), parse.GetValue(sigma), parse.GetValue(repeats), parse.GetValue(corr));
            if (kk < 1 || kk > n) throw new CliUsageException($"k: must be in 1..{n} (got {kk})");
            Print(Run(n, kk, ww, s, r, c), n, output);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs the benchmark and returns its rows.</summary>
    public static IReadOnlyList<StructuredBenchRow> Run(int n, int k, double w, double sigma, int repeats, double corr = 0.9, ulong seed = 7)
    {
        if (n < k || k < 1) throw new ArgumentException($"k: must be in 1..{n} (got {k})", nameof(k));
        if (!(corr >= 0 && corr < 1)) throw new ArgumentException($"corr: must be in [0, 1) (got {corr})", nameof(corr));
        var raw = new float[n];
        BankGenerator.Fill(BankSourceKind.Gaussian, seed, n, 0, raw);
        // AR(1) scores, θ_i = c θ_{i−1} + √(1 − c²) ε_i (stationary N(0, σ²)): neighbouring rows score alike, as in
        // banks stored in sequence order. With c = 0 the top rows are almost never adjacent and w has no effect.
        var theta = new double[n];
        double innovation = Math.Sqrt(1 - corr * corr), previous = raw[0];
        theta[0] = sigma * previous;
        for (int i = 1; i < n; i++)
        {
            previous = corr * previous + innovation * raw[i];
            theta[i] = sigma * previous;
        }
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
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"structured maps on N = {n:N0} scores, one Forward each (median / best of the repeats; iters = active-set iterations)"));
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
