using System.CommandLine;
using System.Numerics;
using System.Runtime.CompilerServices;
using Hfy.Kernels.Maps;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy map NAME [--alpha A] [--gamma G] [--k K] [--normalize] [--w W] [--compat] [--upper FILE] --input FILE|-
/// [--output FILE|-] [--format json|npy] [--threads T]</c>: applies a score-to-weight map to each row of scores and
/// writes p, τ and the support size of every row in float64. Input contract (JSON and .npy alike, see
/// <see cref="ScoreSource"/>): a 2-D array rows × N, rows ≥ 1, N ≥ 1; −∞ scores are masked patterns (weight 0);
/// NaN, +∞, 1-D arrays, zero rows, empty and ragged rows are refused. Output: JSON <c>{"map", "outputMass", "p",
/// "tau", "support"}</c>, or with an .npy output (by extension or <c>--format npy</c>) OUT.npy = p (rows, N),
/// OUT.tau.npy = τ (rows,), OUT.support.npy = support sizes (rows,) int64. Rows are spread over every core; an .npy
/// input is read and the .npy output written in row blocks, so inputs larger than memory stream through.
/// </summary>
internal static class MapCommand
{
    /// <summary>Bytes of scores per block: big enough to spread over every core, small enough to stream.</summary>
    internal const long BlockBytes = 16L << 20;

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets or csparsemax" };
        var input = new Option<string?>("--input")
        {
            Description = "scores: a 2-D array rows × N (rows ≥ 1, N ≥ 1): JSON {\"scores\": [[...], ...]} or [[...], ...], a float32/float64 .npy of shape (rows, N), " +
                          "or - for JSON on stdin. One problem is [[...]] / shape (1, N): 1-D arrays, zero rows, empty or ragged rows, NaN and +∞ are refused; −∞ masks a pattern",
        };
        var output = new Option<string?>("--output")
        {
            Description = "where to write the result (default: stdout, JSON). OUT.npy writes p (rows, N) float64 there, τ to OUT.tau.npy and the support sizes to OUT.support.npy (int64)",
        };
        var format = new Option<string?>("--format") { Description = "json or npy (default: npy when --output ends in .npy, else json)" };
        var threads = CliOption.Optional("--threads", "rows are solved on this many cores (default: every core)", Rule.AtLeast(1));
        var upper = new Option<string?>("--upper") { Description = "csparsemax: upper bounds u ≥ 0, JSON {\"upper\": [[...]]} or .npy, one row per problem or one row for all" };
        var mapOptions = new MapOptions();
        var command = new Command("map", "Apply an HFY map (docs/math.md §2) to rows of scores; JSON or .npy in and out, float64");
        command.Arguments.Add(name);
        mapOptions.AddTo(command);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(format);
        command.Options.Add(threads);
        command.Options.Add(upper);
        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var path = parse.GetValue(input) ?? throw new CliUsageException("input: required (a JSON or .npy file, or - for stdin)");
            var target = parse.GetValue(output);
            var npyOut = NpyOutput(parse.GetValue(format), target);
            var cores = parse.GetValue(threads) ?? Environment.ProcessorCount;
            using var source = ScoreSource.Open(path, "input", "scores");
            var csparsemax = string.Equals(parse.GetValue(name)?.Trim(), "csparsemax", StringComparison.OrdinalIgnoreCase);
            RowSolver solve;
            string label;
            double mass;
            if (csparsemax)
            {
                solve = ConstrainedSparsemax(source, parse.GetValue(upper));
                (label, mass) = ("csparsemax", 1.0);
            }
            else
            {
                if (parse.GetValue(upper) is not null) throw new CliUsageException("upper: only applies to csparsemax");
                var spec = mapOptions.Build(parse, parse.GetValue(name), "name", source.Cols);
                var map = MapFactory.Create(spec);
                solve = MapRows.Solver(map, spec);
                (label, mass) = (spec.Label, map.OutputMass);
            }

            using MapSink sink = npyOut
                ? new MapSink.Npy(target!, source.Rows, source.Cols)
                : new MapSink.Json(target, stdout, label, mass, source.Cols);
            Run(source, sink, solve, cores);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Streams every row of <paramref name="source"/> through <paramref name="solve"/> into <paramref name="sink"/>:
    /// blocks of about <see cref="BlockBytes"/>, rows of a block on <paramref name="threads"/> cores, the next block read
    /// and the previous one written while a block is solved. Bad rows fail with the first one's message.
    /// </summary>
    internal static void Run(ScoreSource source, MapSink sink, RowSolver solve, int threads, long blockBytes = BlockBytes)
    {
        var cols = source.Cols;
        var blockRows = (int)Math.Clamp(blockBytes / (8L * cols), 1, Math.Max(1, Array.MaxLength / cols));
        blockRows = (int)Math.Min(blockRows, source.Rows);
        var scores = new[] { new double[blockRows * cols], new double[blockRows * cols] };
        var outputs = new[] { new MapBlock(blockRows, cols), new MapBlock(blockRows, cols) };
        Task writing = Task.CompletedTask;
        try
        {
            var count = (int)Math.Min(blockRows, source.Rows);
            source.Read(0, count, scores[0]);
            for (long first = 0, cur = 0; first < source.Rows; first += count, cur ^= 1)
            {
                count = (int)Math.Min(blockRows, source.Rows - first);
                var next = first + count;
                var nextCount = (int)Math.Min(blockRows, source.Rows - next);
                var nextScores = scores[cur ^ 1];
                var reading = next < source.Rows ? Task.Run(() => source.Read(next, nextCount, nextScores)) : Task.CompletedTask;
                var block = outputs[cur];
                block.Count = count;
                try
                {
                    MapRows.Apply(solve, scores[cur], count, cols, first, block, threads);
                }
                catch when (!reading.IsCompleted)
                {
                    ((IAsyncResult)reading).AsyncWaitHandle.WaitOne();
                    throw;
                }

                reading.GetAwaiter().GetResult();

                writing.GetAwaiter().GetResult();
                writing = Task.Run(() => sink.Write(block.P.AsSpan(0, block.Count * cols), block.Tau.AsSpan(0, block.Count), block.Support.AsSpan(0, block.Count)));
            }

            writing.GetAwaiter().GetResult();
        }
        catch when (!writing.IsCompleted)
        {
            // Never leave a write running into a sink the caller is about to dispose.
            ((IAsyncResult)writing).AsyncWaitHandle.WaitOne();
            throw;
        }

        sink.Finish();
    }

    private static bool NpyOutput(string? format, string? target)
    {
        var npy = (format?.Trim().ToLowerInvariant()) switch
        {
            null => target is not null && target.EndsWith(".npy", StringComparison.OrdinalIgnoreCase),
            "json" => false,
            "npy" => true,
            var f => throw new CliUsageException($"format: must be json or npy (got '{f}')"),
        };
        if (npy && (target is null || target == "-" || !target.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)))
            throw new CliUsageException($"output: an .npy result needs a file path ending in .npy (got {(target is null ? "stdout" : $"'{target}'")})");
        return npy;
    }

    /// <summary>Constrained sparsemax (docs/math.md §5): the projection onto {p ∈ Δ, p ≤ u}.</summary>
    private static RowSolver ConstrainedSparsemax(ScoreSource scores, string? upperSource)
    {
        if (upperSource is null) throw new CliUsageException("upper: required for csparsemax (a JSON {\"upper\": [[...]]} or .npy file)");
        var upper = JsonIo.ReadMatrix(upperSource, "upper", "upper");
        if (upper.Cols != scores.Cols)
            throw new CliUsageException($"upper: {upper.Cols} bounds per row do not match the {scores.Cols} scores per row");
        if (upper.Rows != 1 && upper.Rows != scores.Rows)
            throw new CliUsageException($"upper: has {upper.Rows} rows; expected 1 (shared) or {scores.Rows} (one per problem)");
        return (long r, ReadOnlySpan<double> row, Span<double> p) =>
        {
            MapRows.CheckRow(row, r, MapSpec.Sparsemax);
            var u = upper.Row(upper.Rows == 1 ? 0 : (int)r);
            var capacity = 0.0;
            for (var c = 0; c < u.Length; c++)
            {
                if (double.IsNaN(u[c]) || u[c] < 0) throw new CliUsageException($"upper: row {r}, column {c} is {JsonIo.Show(u[c])}; bounds must be ≥ 0");
                if (!double.IsNegativeInfinity(row[c])) capacity += u[c];
            }
            if (!(capacity >= 1)) throw new CliUsageException($"upper: the bounds of row {r}'s unmasked scores sum to {JsonIo.Show(capacity)}; they must sum to ≥ 1");
            return Hfy.Kernels.Structured.ConstrainedSparsemax.Forward(row, u, p);
        };
    }
}

/// <summary>Solves one row: checks it, writes p and returns τ. Throws <see cref="CliUsageException"/> for a bad row.</summary>
internal delegate double RowSolver(long row, ReadOnlySpan<double> theta, Span<double> p);

/// <summary>One block's results.</summary>
internal sealed class MapBlock(int rows, int cols)
{
    /// <summary>p, rows × cols.</summary>
    public double[] P { get; } = new double[rows * cols];

    /// <summary>τ per row.</summary>
    public double[] Tau { get; } = new double[rows];

    /// <summary>#{p &gt; 0} per row.</summary>
    public long[] Support { get; } = new long[rows];

    /// <summary>Rows in use.</summary>
    public int Count { get; set; } = rows;
}

/// <summary>The row loop of <c>hfy map</c> and <c>hfy bench maps</c>: rows on every core, each row checked then solved.</summary>
internal static class MapRows
{
    /// <summary>The solver for a map: refuses NaN and +∞ and runs the map on the unmasked scores.</summary>
    public static RowSolver Solver(IMap map, MapSpec spec) => (long r, ReadOnlySpan<double> row, Span<double> p) =>
    {
        var finite = CheckRow(row, r, spec);
        return Solve(map, spec, row, finite, p);
    };

    /// <summary>
    /// Solves rows [0, count) of <paramref name="scores"/> (row r is problem <paramref name="first"/> + r) into
    /// <paramref name="into"/>. Every row is attempted; when some fail, the lowest row's error is thrown, so the
    /// message does not depend on the thread schedule.
    /// </summary>
    public static void Apply(RowSolver solve, double[] scores, int count, int cols, long first, MapBlock into, int threads)
    {
        Exception? error = null;
        var errorRow = long.MaxValue;
        var gate = new object();
        void Rows(int from, int to)
        {
            for (var r = from; r < to; r++)
            {
                var p = into.P.AsSpan(r * cols, cols);
                try
                {
                    into.Tau[r] = solve(first + r, scores.AsSpan(r * cols, cols), p);
                }
                catch (Exception e) when (e is CliUsageException or ArgumentException)
                {
                    lock (gate)
                    {
                        if (first + r < errorRow) (error, errorRow) = (e, first + r);
                    }
                    continue;
                }

                into.Support[r] = CountPositive(p);
            }
        }

        if (threads <= 1 || count < 2)
        {
            Rows(0, count);
        }
        else
        {
            // A few chunks per core, so that rows of uneven cost (sorts of different sizes) balance out.
            var chunk = Math.Max(1, count / (threads * 4));
            var chunks = (count + chunk - 1) / chunk;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => Rows(c * chunk, Math.Min(count, (c + 1) * chunk)));
        }

        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>#{v &gt; 0}.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long CountPositive(ReadOnlySpan<double> values)
    {
        var i = 0;
        var counts = Vector<long>.Zero;
        for (; i <= values.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            counts -= Vector.GreaterThan(new Vector<double>(values[i..]), Vector<double>.Zero); // true lanes are −1
        }

        var count = Vector.Sum(counts);
        for (; i < values.Length; i++) if (values[i] > 0) count++;
        return count;
    }

    /// <summary>Refuses NaN and +∞; returns the number of finite (unmasked) scores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CheckRow(ReadOnlySpan<double> row, long r, MapSpec spec)
    {
        // Vector pass for the common case (every score finite or −∞); the scalar pass below names the first bad one.
        var i = 0;
        var finiteLanes = Vector<long>.Zero;
        var bad = false;
        var posInf = new Vector<double>(double.PositiveInfinity);
        var negInf = new Vector<double>(double.NegativeInfinity);
        for (; i <= row.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            var v = new Vector<double>(row[i..]);
            var below = Vector.LessThan(v, posInf); // false for NaN and +∞
            bad |= !Vector.EqualsAll(below, Vector<long>.AllBitsSet);
            finiteLanes -= Vector.GreaterThan(v, negInf) & below;
        }

        if (!bad)
        {
            var count = (int)Vector.Sum(finiteLanes);
            for (; i < row.Length; i++)
            {
                if (double.IsNaN(row[i]) || double.IsPositiveInfinity(row[i])) break;
                if (double.IsFinite(row[i])) count++;
            }

            if (i == row.Length) return CheckCount(count, r, spec);
        }

        var finite = 0;
        for (var c = 0; c < row.Length; c++)
        {
            var v = row[c];
            if (double.IsNaN(v)) throw new CliUsageException($"input: scores row {r}, column {c} is NaN; NaN is not allowed");
            if (double.IsPositiveInfinity(v)) throw new CliUsageException($"input: scores row {r}, column {c} is +∞; only −∞ (a masked pattern) is allowed");
            if (double.IsFinite(v)) finite++;
        }
        return CheckCount(finite, r, spec);
    }

    private static int CheckCount(int finite, long r, MapSpec spec)
    {
        if (finite == 0) throw new CliUsageException($"input: scores row {r} has no finite score (every pattern is masked)");
        if (spec.Kind is MapKind.KSubsets or MapKind.SeqKSubsets && spec.K > finite)
            throw new CliUsageException($"k: must be ≤ the {finite} unmasked scores of row {r} (got {JsonIo.Show(spec.K)})");
        return finite;
    }

    /// <summary>
    /// Runs the map on the unmasked scores only (masked patterns get weight 0 and do not exist for the map), except
    /// for seq-ksubsets, where row positions define adjacency and the map receives the −∞ entries itself.
    /// </summary>
    private static double Solve(IMap map, MapSpec spec, ReadOnlySpan<double> row, int finite, Span<double> p)
    {
        if (finite == row.Length || spec.Kind == MapKind.SeqKSubsets) return map.Forward(row, p);
        var theta = new double[finite];
        var where = new int[finite];
        var j = 0;
        for (var c = 0; c < row.Length; c++)
        {
            if (double.IsNegativeInfinity(row[c])) continue;
            theta[j] = row[c];
            where[j++] = c;
        }
        var sub = new double[finite];
        var tau = map.Forward(theta, sub);
        p.Clear();
        for (var i = 0; i < finite; i++) p[where[i]] = sub[i];
        return tau;
    }
}
