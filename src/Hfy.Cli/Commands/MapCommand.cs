using System.CommandLine;
using Hfy.Kernels.Maps;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy map NAME [--alpha A] [--gamma G] [--k K] [--normalize] [--w W] [--compat] [--upper FILE] --input FILE|- [--output FILE|-]</c>:
/// applies a score-to-weight map to each row of scores (JSON <c>{"scores": [[...]]}</c> or a 2-D .npy) and
/// prints <c>{"map", "outputMass", "p": [[...]], "tau": [...], "support": [...]}</c> in float64.
/// −∞ scores are masked patterns (weight 0); NaN and +∞ are refused. NAME also takes seq-ksubsets (--k, --w, --compat)
/// and csparsemax (--upper: the projection onto {p ∈ Δ, p ≤ u} of the free-recall experiments).
/// </summary>
internal static class MapCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets or csparsemax" };
        var input = new Option<string?>("--input") { Description = "scores: JSON {\"scores\": [[...], ...]} (one row per problem), a 2-D .npy, or - for stdin" };
        var output = new Option<string?>("--output") { Description = "where to write the JSON result (default: stdout)" };
        var upper = new Option<string?>("--upper") { Description = "csparsemax: upper bounds u ≥ 0, JSON {\"upper\": [[...]]} or .npy, one row per problem or one row for all" };
        var mapOptions = new MapOptions();
        var command = new Command("map", "Apply an HFY map (docs/math.md §2) to rows of scores; JSON in and out, float64");
        command.Arguments.Add(name);
        mapOptions.AddTo(command);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(upper);
        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var source = parse.GetValue(input) ?? throw new CliUsageException("input: required (a JSON or .npy file, or - for stdin)");
            var scores = JsonIo.ReadMatrix(source, "input", "scores");
            if (string.Equals(parse.GetValue(name)?.Trim(), "csparsemax", StringComparison.OrdinalIgnoreCase))
            {
                return ConstrainedSparsemaxCommand(scores, parse.GetValue(upper), parse.GetValue(output), stdout);
            }
            if (parse.GetValue(upper) is not null) throw new CliUsageException("upper: only applies to csparsemax");
            var spec = mapOptions.Build(parse, parse.GetValue(name), "name", scores.Cols);
            var map = MapFactory.Create(spec);
            var p = new double[scores.Data.Length];
            var tau = new double[scores.Rows];
            var support = new int[scores.Rows];
            for (var r = 0; r < scores.Rows; r++)
            {
                var row = scores.Row(r);
                var finite = CheckRow(row, r, spec);
                tau[r] = Solve(map, spec, row, finite, p.AsSpan(r * scores.Cols, scores.Cols));
                foreach (var v in p.AsSpan(r * scores.Cols, scores.Cols)) if (v > 0) support[r]++;
            }
            Write(parse.GetValue(output), stdout, spec.Label, map.OutputMass, p, scores.Cols, tau, support);
            return 0;
        }));
        return command;
    }

    /// <summary>Constrained sparsemax (docs/math.md §5): the projection onto {p ∈ Δ, p ≤ u}.</summary>
    private static int ConstrainedSparsemaxCommand(InputMatrix scores, string? upperSource, string? target, TextWriter stdout)
    {
        if (upperSource is null) throw new CliUsageException("upper: required for csparsemax (a JSON {\"upper\": [[...]]} or .npy file)");
        var upper = JsonIo.ReadMatrix(upperSource, "upper", "upper");
        if (upper.Cols != scores.Cols)
            throw new CliUsageException($"upper: {upper.Cols} bounds per row do not match the {scores.Cols} scores per row");
        if (upper.Rows != 1 && upper.Rows != scores.Rows)
            throw new CliUsageException($"upper: has {upper.Rows} rows; expected 1 (shared) or {scores.Rows} (one per problem)");
        var p = new double[scores.Data.Length];
        var tau = new double[scores.Rows];
        var support = new int[scores.Rows];
        for (var r = 0; r < scores.Rows; r++)
        {
            var row = scores.Row(r);
            CheckRow(row, r, MapSpec.Sparsemax);
            var u = upper.Row(upper.Rows == 1 ? 0 : r);
            var capacity = 0.0;
            for (var c = 0; c < u.Length; c++)
            {
                if (double.IsNaN(u[c]) || u[c] < 0) throw new CliUsageException($"upper: row {r}, column {c} is {JsonIo.Show(u[c])}; bounds must be ≥ 0");
                if (!double.IsNegativeInfinity(row[c])) capacity += u[c];
            }
            if (!(capacity >= 1)) throw new CliUsageException($"upper: the bounds of row {r}'s unmasked scores sum to {JsonIo.Show(capacity)}; they must sum to ≥ 1");
            var pr = p.AsSpan(r * scores.Cols, scores.Cols);
            tau[r] = Hfy.Kernels.Structured.ConstrainedSparsemax.Forward(row, u, pr);
            foreach (var v in pr) if (v > 0) support[r]++;
        }
        Write(target, stdout, "csparsemax", 1.0, p, scores.Cols, tau, support);
        return 0;
    }

    private static void Write(string? target, TextWriter stdout, string label, double mass, double[] p, int cols, double[] tau, int[] support)
    {
        JsonIo.WriteOutput(target, stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("map", label);
            w.WriteNumber("outputMass", mass);
            w.WritePropertyName("p");
            w.WriteStartArray();
            for (var r = 0; r < tau.Length; r++) JsonIo.WriteArray(w, p.AsSpan(r * cols, cols));
            w.WriteEndArray();
            w.WritePropertyName("tau");
            JsonIo.WriteArray(w, tau);
            w.WritePropertyName("support");
            w.WriteStartArray();
            foreach (var s in support) w.WriteNumberValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Refuses NaN and +∞; returns the number of finite (unmasked) scores.</summary>
    private static int CheckRow(ReadOnlySpan<double> row, int r, MapSpec spec)
    {
        var finite = 0;
        for (var c = 0; c < row.Length; c++)
        {
            var v = row[c];
            if (double.IsNaN(v)) throw new CliUsageException($"input: scores row {r}, column {c} is NaN; NaN is not allowed");
            if (double.IsPositiveInfinity(v)) throw new CliUsageException($"input: scores row {r}, column {c} is +∞; only −∞ (a masked pattern) is allowed");
            if (double.IsFinite(v)) finite++;
        }
        if (finite == 0) throw new CliUsageException($"input: scores row {r} has no finite score (every pattern is masked)");
        if (spec.Kind is MapKind.KSubsets or MapKind.SeqKSubsets && spec.K > finite)
            throw new CliUsageException($"k: must be ≤ the {finite} unmasked scores of row {r} (got {spec.K})");
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
