using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hfy.Cli.Commands;
using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Bench;

/// <summary>One map's figures in <c>hfy bench cluster</c>.</summary>
/// <param name="Map">Map label.</param>
/// <param name="Beta">β.</param>
/// <param name="LocalSeconds">Single-process kernel (<see cref="HfyDynamics.RunBatch(Bank, ReadOnlySpan{float}, int, RetrievalOptions)"/>) wall time.</param>
/// <param name="ClusterSeconds">Embedded cluster wall time for the same batch.</param>
/// <param name="RoundTripsPerStep">Cluster round trips per map evaluation (T updates + the final evaluation of p at q_T).</param>
/// <param name="BytesPerQuery">Serialized bytes moved by the coordinator per query.</param>
/// <param name="MaxQDeviation">Largest |q_cluster − q_local| over the batch (agreement check).</param>
/// <param name="MeanSupport">Mean final support size.</param>
public sealed record ClusterBenchRow(
    string Map, double Beta, double LocalSeconds, double ClusterSeconds, double RoundTripsPerStep, double BytesPerQuery, double MaxQDeviation, double MeanSupport)
{
    /// <summary>Cluster throughput / single-process throughput.</summary>
    public double ThroughputRatio => LocalSeconds / ClusterSeconds;
}

/// <summary>
/// <c>hfy bench cluster</c>: an embedded cluster of bank nodes vs the single-process kernel on the same bank
/// (default 1,000,000 × 64, 64 queries, 5 steps, every map): throughput ratio, round trips per step, bytes per query.
/// </summary>
public static class ClusterBench
{
    /// <summary>The maps benchmarked by default.</summary>
    public static readonly MapSpec[] DefaultMaps =
    [
        MapSpec.Softmax, MapSpec.Entmax(1.5), MapSpec.Sparsemax, MapSpec.Entmax(3), MapSpec.Normmax(2), MapSpec.Normmax(5),
        MapSpec.KSubsets(4), MapSpec.SeqKSubsets(2, 1.0),
    ];

    internal static Command CreateCommand()
    {
        var rows = CommonOptions.BenchRows(1_000_000, min: 100);
        var dim = CommonOptions.BenchDim();
        var batch = CommonOptions.BenchBatch("queries per request");
        var steps = CliOption.WithDefault("--steps", "dynamics steps T (default 5)", 5, Rule.AtLeast(0));
        var nodes = CommonOptions.Nodes(4);
        var betas = new Option<string?>("--betas") { Description = "comma-separated β values (default 1,0.01)" };
        var maps = new Option<string?>("--maps") { Description = "comma-separated map labels (default: " + string.Join(",", DefaultMaps.Select(m => m.Label)) + ")" };
        var command = new Command("cluster", "Embedded cluster vs single-process kernel: throughput ratio, round trips per step, bytes per query");
        foreach (var o in new Option[] { rows, dim, batch, steps, nodes, betas, maps }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.RunAsync(parse, async output =>
        {
            var (n, d, b, t, k) = (parse.GetValue(rows), parse.GetValue(dim), parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(nodes));
            var bs = ParseBetas(parse.GetValue(betas) ?? "1,0.01");
            var ms = ParseMaps(parse.GetValue(maps));
            var report = await RunAsync(n, d, b, t, k, bs, ms, output).ConfigureAwait(false);
            Print(report, n, d, b, t, k, output);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs every map at every β on both engines.</summary>
    public static async Task<IReadOnlyList<ClusterBenchRow>> RunAsync(
        int rows, int dim, int batch, int steps, int nodes, IReadOnlyList<double> betas, IReadOnlyList<MapSpec> maps, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(log);
        var spec = new BankSpec("bench", rows, dim, BankSourceKind.Gaussian, Seed: 2024);
        log.WriteLine($"loading {rows:N0} × {dim} bank in this process …");
        var bank = BankSources.Load(spec);
        var queries = Queries(bank, batch);

        // Every single-process baseline first, then the cluster: a kernel run saturating both cores in the same process
        // (GC pauses included) delays the idle cluster's heartbeats for seconds and its nodes get downed.
        var cases = betas.SelectMany(beta => maps.Select(map => new RetrievalOptions(map, beta, steps))).ToArray();
        // Only the final states and the mean support are kept: a softmax batch's weights alone are ~1 GB at 10⁶ rows.
        var locals = new (double[][] Q, double MeanSupport, double Seconds)[cases.Length];
        HfyDynamics.RunBatch(bank, queries.AsSpan(0, dim), 1, new RetrievalOptions(MapSpec.Sparsemax, 1, 1)); // JIT
        for (var c = 0; c < cases.Length; c++)
        {
            var sw = Stopwatch.StartNew();
            var results = HfyDynamics.RunBatch(bank, queries, batch, cases[c]);
            locals[c] = (results.Select(r => r.Q).ToArray(), results.Average(r => (double)r.SupportSize), sw.Elapsed.TotalSeconds);
            log.WriteLine(FormattableString.Invariant($"  {cases[c].Map.Label,-18} β={cases[c].Beta,-5} local {locals[c].Seconds,7:F2} s"));
        }

        log.WriteLine($"starting an embedded cluster: 1 coordinator + {nodes} bank nodes …");
        var options = new EmbeddedClusterOptions
        {
            Engine = new ClusterEngineOptions
            {
                PartitionsPerBank = 10 * nodes,
                Retrieval = new Actors.Retrieval.RetrievalSettings { MaxSupportPairs = 1024, RequestTimeout = TimeSpan.FromMinutes(20) },
            },
        };
        await using var cluster = await EmbeddedCluster.StartAsync(nodes, options).ConfigureAwait(false);
        await cluster.Engine.CreateBankAsync(spec, CancellationToken.None).ConfigureAwait(false);

        // Warm the cluster path (JIT, partition loading) before timing.
        await cluster.Engine.RetrieveAsync("bench", queries[..dim], 1, new RetrievalOptions(MapSpec.Sparsemax, 1, 1), CancellationToken.None).ConfigureAwait(false);

        var report = new List<ClusterBenchRow>();
        for (var c = 0; c < cases.Length; c++)
        {
            var o = cases[c];
            var (localQ, localSupport, localSeconds) = locals[c];
            var sw = Stopwatch.StartNew();
            var remote = await cluster.Engine.RetrieveAsync("bench", queries, batch, o, CancellationToken.None).ConfigureAwait(false);
            var clusterSeconds = sw.Elapsed.TotalSeconds;
            double dev = 0;
            for (var q = 0; q < batch; q++)
            {
                for (var j = 0; j < dim; j++) dev = Math.Max(dev, Math.Abs(localQ[q][j] - remote.Results[q].Q[j]));
            }

            var row = new ClusterBenchRow(
                o.Map.Label, o.Beta, localSeconds, clusterSeconds, remote.Stats.RoundTripsPerStep,
                (double)remote.Stats.BytesMoved / batch, dev, localSupport);
            report.Add(row);
            log.WriteLine(FormattableString.Invariant(
                $"  {row.Map,-18} β={o.Beta,-5} local {localSeconds,7:F2} s  cluster {clusterSeconds,7:F2} s  ratio {row.ThroughputRatio:F2}  rounds/step {row.RoundTripsPerStep:F2} (probe {remote.Stats.ProbeRounds}, readout {remote.Stats.ReadoutRounds}, evaluations {remote.Stats.Evaluations})"));
        }

        return report;
    }

    /// <summary>Prints the table and the means.</summary>
    public static void Print(IReadOnlyList<ClusterBenchRow> report, int rows, int dim, int batch, int steps, int nodes, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(FormattableString.Invariant(
            $"hfy bench cluster: {rows:N0} × {dim} bank, {batch} queries, {steps} steps, {nodes} bank nodes + coordinator (one process, loopback TCP), {Environment.ProcessorCount} cores"));
        output.WriteLine("map                 beta    local s  cluster s  throughput  rounds/step  bytes/query  max|Δq|   support");
        foreach (var r in report)
        {
            output.WriteLine(FormattableString.Invariant(
                $"{r.Map,-18} {r.Beta,6:G3} {r.LocalSeconds,9:F2} {r.ClusterSeconds,10:F2} {r.ThroughputRatio,11:F2} {r.RoundTripsPerStep,12:F2} {r.BytesPerQuery,12:N0} {r.MaxQDeviation,9:E1} {r.MeanSupport,9:G4}"));
        }

        if (report.Count > 0)
        {
            output.WriteLine(FormattableString.Invariant(
                $"mean throughput ratio {report.Average(r => r.ThroughputRatio):F2}; mean rounds/step {report.Average(r => r.RoundTripsPerStep):F2} (per map evaluation: T updates + the final evaluation of p at q_T)"));
        }
    }

    private static float[] Queries(Bank bank, int batch)
    {
        // Stored patterns plus N(0, 0.5²) noise, seeded.
        var noise = new float[batch * bank.Dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 77, bank.Dim, 0, noise);
        var q = new float[batch * bank.Dim];
        for (var i = 0; i < batch; i++)
        {
            var row = (int)((long)i * 7919 % bank.Rows);
            for (var j = 0; j < bank.Dim; j++) q[i * bank.Dim + j] = bank.Row(row)[j] + 0.5f * noise[i * bank.Dim + j];
        }

        return q;
    }

    private static MapSpec[] ParseMaps(string? text)
    {
        if (text is null) return DefaultMaps;
        var labels = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new MapSpec[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            result[i] = DefaultMaps.FirstOrDefault(m => m.Label == labels[i])
                ?? throw new CliUsageException($"maps: unknown label '{labels[i]}'; expected some of {string.Join(",", DefaultMaps.Select(m => m.Label))}");
        }

        if (result.Length == 0) throw new CliUsageException("maps: at least one map is needed");
        return result;
    }

    private static double[] ParseBetas(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]) || !(result[i] > 0) || double.IsInfinity(result[i]))
                throw new CliUsageException($"betas: '{parts[i]}' must be a number > 0");
        }

        if (result.Length == 0) throw new CliUsageException("betas: at least one β is needed");
        return result;
    }
}
