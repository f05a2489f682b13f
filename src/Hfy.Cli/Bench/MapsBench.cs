using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Hfy.Cli.Commands;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Bench;

/// <summary>One map timed in-process on the benchmark matrix.</summary>
/// <param name="Map">Map label.</param>
/// <param name="Seconds">Best wall time over every row on all the benchmark's threads.</param>
/// <param name="OneThreadSeconds">Best wall time on one thread (NaN when not measured).</param>
/// <param name="PeerSeconds">The peer's figure (PyTorch + entmax, in-process, one thread) on 10,000 × 1,000.</param>
public sealed record MapsBenchRow(string Map, double Seconds, double OneThreadSeconds, double PeerSeconds)
{
    /// <summary>Peer time / our time.</summary>
    public double Speedup => PeerSeconds / Seconds;
}

/// <summary>The whole-process cost of <c>hfy map</c> on .npy in and out for one map.</summary>
/// <param name="Map">Map label.</param>
/// <param name="PipelineSeconds">In-process: read the input in blocks, solve, write the three .npy files.</param>
/// <param name="ProcessSeconds">A separate <c>hfy map</c> process, start to exit (NaN when not measured).</param>
public sealed record MapsBenchProcess(string Map, double PipelineSeconds, double ProcessSeconds);

/// <summary>Everything <c>hfy bench maps</c> measured.</summary>
/// <param name="Rows">Rows of the score matrix.</param>
/// <param name="Cols">Scores per row.</param>
/// <param name="Threads">Threads used for the rows.</param>
/// <param name="Maps">In-process times per map.</param>
/// <param name="IoSeconds">Reading the input .npy and writing same-sized outputs (p, τ, support) with no map.</param>
/// <param name="StartupSeconds">An <c>hfy --version</c> process, start to exit (NaN when not measured).</param>
/// <param name="Processes">Whole-process costs per map.</param>
public sealed record MapsBenchReport(int Rows, int Cols, int Threads, IReadOnlyList<MapsBenchRow> Maps, double IoSeconds,
    double StartupSeconds, IReadOnlyList<MapsBenchProcess> Processes);

/// <summary>
/// <c>hfy bench maps</c> (issue 15): every map of <c>hfy map</c> in-process on a 10,000 × 1,000 float64 N(0, 1) score
/// matrix through the same row loop as the command (row checks and support counts included), beside the peer's
/// one-thread figures (PyTorch + entmax; target: at least 2× faster, softmax included); then the whole-process cost of
/// <c>hfy map</c> with .npy in and out, next to just reading and writing files of the same size and starting the process.
/// </summary>
public static class MapsBench
{
    /// <summary>The peer's figures in seconds (10,000 × 1,000 float64, PyTorch + entmax in-process, one thread).</summary>
    public static IReadOnlyList<(MapSpec Spec, double Seconds)> Peer { get; } =
    [
        (MapSpec.Softmax, 0.054),
        (MapSpec.Sparsemax, 0.82),
        (MapSpec.Entmax(1.5), 1.30),
        (MapSpec.Entmax(3), 10.3),
        (MapSpec.Normmax(2), 21.1),
        (MapSpec.KSubsets(5), 4.48),
    ];

    /// <summary><c>hfy bench maps [--rows 10000] [--cols 1000] [--repeats 3] [--threads all] [--in-process-only]</c>.</summary>
    internal static Command CreateCommand()
    {
        var rows = CliOption.WithDefault("--rows", "rows (problems) of the score matrix (default 10,000)", 10_000, Rule.AtLeast(1));
        var cols = CliOption.WithDefault("--cols", "scores per row (default 1,000; ≥ 5, the k of 5-subsets)", 1_000, Rule.AtLeast(5));
        var repeats = CliOption.WithDefault("--repeats", "timed repeats after one warm-up; the best is reported (default 3)", 3, Rule.AtLeast(1));
        var threads = CliOption.Optional("--threads", "threads for the rows (default: every core)", Rule.AtLeast(1));
        var inProcess = new Option<bool>("--in-process-only") { Description = "skip the runs that start separate hfy processes" };
        var command = new Command("maps", "Every map on 10,000 × 1,000 float64 scores vs the PyTorch + entmax figures; hfy map on .npy vs plain file I/O");
        foreach (var o in new Option[] { rows, cols, repeats, threads, inProcess }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var r = parse.GetValue(rows);
            var c = parse.GetValue(cols);
            var n = parse.GetValue(repeats);
            var t = parse.GetValue(threads) ?? Environment.ProcessorCount;
            if ((long)r * c > Array.MaxLength) throw new CliUsageException($"rows: rows × cols must stay within {Array.MaxLength} values");
            Print(Run(r, c, n, t, !parse.GetValue(inProcess), Console.Error), output);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs the benchmark; progress lines go to <paramref name="log"/>.</summary>
    public static MapsBenchReport Run(int rows, int cols, int repeats, int threads, bool processes, TextWriter log, int seed = 15)
    {
        ArgumentNullException.ThrowIfNull(log);
        var scores = Scores(rows, cols, seed);
        var block = new MapBlock(rows, cols);
        var maps = new List<MapsBenchRow>();

        // Every map's code (and the parallel loop's) tiered up before anything is timed, so that the first map
        // measured does not pay for the JIT.
        var warm = Math.Min(rows, 500);
        for (var round = 0; round < 5; round++)
        {
            foreach (var (spec, _) in Peer)
            {
                var solve = MapRows.Solver(MapFactory.Create(spec), spec);
                MapRows.Apply(solve, scores, warm, cols, 0, block, threads);
                MapRows.Apply(solve, scores, warm, cols, 0, block, 1);
            }

            Thread.Sleep(50); // lets the background JIT install the optimized code
        }

        foreach (var (spec, peer) in Peer)
        {
            var solve = MapRows.Solver(MapFactory.Create(spec), spec);
            var all = MachineLimits.BestSeconds(repeats, () => MapRows.Apply(solve, scores, rows, cols, 0, block, threads));
            var one = threads == 1 ? all : MachineLimits.BestSeconds(repeats, () => MapRows.Apply(solve, scores, rows, cols, 0, block, 1));
            maps.Add(new MapsBenchRow(spec.Label, all, one, peer * Scale(rows, cols)));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {spec.Label}: {all:F4} s"));
        }

        var dir = Path.Combine(Path.GetTempPath(), "hfy-bench-maps-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "scores.npy");
            var target = Path.Combine(dir, "p.npy");
            NpyWriter.Write(input, scores, rows, cols);
            var io = MachineLimits.BestSeconds(repeats, () => Pipeline(input, target, rows, cols, threads, copy: null));
            var startup = processes ? MachineLimits.BestSeconds(repeats, () => Hfy("--version")) : double.NaN;
            var runs = new List<MapsBenchProcess>();
            foreach (var (spec, _) in Peer)
            {
                var solve = MapRows.Solver(MapFactory.Create(spec), spec);
                var pipeline = MachineLimits.BestSeconds(repeats, () => Pipeline(input, target, rows, cols, threads, solve));
                var process = processes ? MachineLimits.BestSeconds(repeats, () => Hfy(["map", .. Arguments(spec), "--input", input, "--output", target, "--threads", threads.ToString(CultureInfo.InvariantCulture)])) : double.NaN;
                runs.Add(new MapsBenchProcess(spec.Label, pipeline, process));
            }

            return new MapsBenchReport(rows, cols, threads, maps, io, startup, runs);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The peer figures are for 10,000 × 1,000; other sizes compare with them scaled linearly.</summary>
    private static double Scale(int rows, int cols) => rows * (double)cols / 1e7;

    /// <summary>Prints the report as two tables.</summary>
    public static void Print(MapsBenchReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"hfy bench maps: {report.Rows:N0} rows × {report.Cols:N0} float64 N(0, 1) scores, {report.Threads} threads (best of the repeats)"));
        var scaled = report.Rows * (long)report.Cols == 10_000_000 ? "" : " (scaled linearly to this size)";
        output.WriteLine($"peer: PyTorch + entmax, in-process, one thread, on 10,000 × 1,000{scaled}; target: ≥ 2× faster");
        output.WriteLine(string.Create(inv, $"{"map",-14} {"time s",10} {"1 thread s",11} {"peer s",8} {"speedup",8}  target"));
        foreach (var m in report.Maps)
        {
            var met = m.Speedup >= 2 ? "met" : "NOT met";
            output.WriteLine(string.Create(inv, $"{m.Map,-14} {m.Seconds,10:F4} {m.OneThreadSeconds,11:F4} {m.PeerSeconds,8:F3} {m.Speedup,7:F1}×  {met}"));
        }

        var mb = report.Rows * (double)report.Cols * 8 / 1e6;
        output.WriteLine();
        output.WriteLine(string.Create(inv, $"hfy map with .npy in and out ({mb:F0} MB in, {mb:F0} MB of p out, plus τ and support):"));
        output.WriteLine(string.Create(inv, $"  read + write the same files, no map (in-process): {report.IoSeconds:F3} s"));
        if (!double.IsNaN(report.StartupSeconds)) output.WriteLine(string.Create(inv, $"  process start to exit (hfy --version):            {report.StartupSeconds:F3} s"));
        output.WriteLine(string.Create(inv, $"{"map",-14} {"in-process s",13} {"map only s",11} {"hfy map process s",18} {"over I/O + startup",19}"));
        foreach (var (p, m) in report.Processes.Zip(report.Maps))
        {
            var over = p.ProcessSeconds - report.IoSeconds - report.StartupSeconds;
            output.WriteLine(string.Create(inv, $"{p.Map,-14} {p.PipelineSeconds,13:F3} {m.Seconds,11:F4} {Show(p.ProcessSeconds),18} {Show(over),19}"));
        }

        static string Show(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);
    }

    /// <summary>N(0, 1) float64 scores (Box–Muller on a seeded generator).</summary>
    internal static double[] Scores(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var scores = new double[rows * cols];
        for (var i = 0; i < scores.Length; i += 2)
        {
            var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble()));
            var angle = 2 * Math.PI * rng.NextDouble();
            scores[i] = radius * Math.Cos(angle);
            if (i + 1 < scores.Length) scores[i + 1] = radius * Math.Sin(angle);
        }

        return scores;
    }

    /// <summary>The hfy map pipeline on files; with no solver, each row is copied (the file I/O floor).</summary>
    private static void Pipeline(string input, string target, int rows, int cols, int threads, RowSolver? copy)
    {
        using var source = ScoreSource.Open(input, "input", "scores");
        using var sink = new MapSink.Npy(target, rows, cols);
        MapCommand.Run(source, sink, copy ?? Copy, threads);
    }

    private static double Copy(long row, ReadOnlySpan<double> theta, Span<double> p)
    {
        theta.CopyTo(p);
        return double.NaN;
    }

    private static string[] Arguments(MapSpec spec) => spec.Kind switch
    {
        MapKind.Entmax => ["entmax", "--alpha", spec.Alpha.ToString("R", CultureInfo.InvariantCulture)],
        MapKind.Normmax => ["normmax", "--gamma", spec.Gamma.ToString("R", CultureInfo.InvariantCulture)],
        MapKind.KSubsets => ["ksubsets", "--k", spec.K.ToString("R", CultureInfo.InvariantCulture)],
        MapKind.Sparsemax => ["sparsemax"],
        _ => ["softmax"],
    };

    /// <summary>Runs this hfy executable with <paramref name="args"/>; throws when it fails.</summary>
    private static void Hfy(params string[] args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("the hfy executable path is unknown");
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet hfy.dll`: the child needs the assembly too.
            info.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("the hfy assembly path is unknown"));
        }

        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {host}");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"hfy {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result.Trim()}");
    }
}
