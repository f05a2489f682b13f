using System.CommandLine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;

namespace Hfy.Coordinator.Cli;

/// <summary>
/// <c>hfy map NAME [--alpha A] [--gamma G] [--k K] [--normalize] --input FILE|- [--output FILE|-]</c>:
/// applies a score-to-weight map to each row of scores (JSON <c>{"scores": [[...]]}</c> or a 2-D .npy) and
/// prints <c>{"map", "outputMass", "p": [[...]], "tau": [...], "support": [...]}</c> in float64.
/// −∞ scores are masked patterns (weight 0); NaN and +∞ are refused.
/// </summary>
internal static class MapCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "softmax, entmax, sparsemax, normmax, ksubsets or seq-ksubsets" };
        var input = new Option<string?>("--input") { Description = "scores: JSON {\"scores\": [[...], ...]} (one row per problem), a 2-D .npy, or - for stdin" };
        var output = new Option<string?>("--output") { Description = "where to write the JSON result (default: stdout)" };
        var mapOptions = new MapOptions();
        var command = new Command("map", "Apply an HFY map (hfy-math.md §2) to rows of scores; JSON in and out, float64");
        command.Arguments.Add(name);
        mapOptions.AddTo(command);
        command.Options.Add(input);
        command.Options.Add(output);
        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var source = parse.GetValue(input) ?? throw new CliUsageException("input: required (a JSON or .npy file, or - for stdin)");
            var scores = JsonIo.ReadMatrix(source, "input", "scores");
            var spec = mapOptions.Build(parse, parse.GetValue(name), "name", scores.Cols);
            var map = MapResolver.Create(spec);
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
            JsonIo.WriteOutput(parse.GetValue(output), stdout, w =>
            {
                w.WriteStartObject();
                w.WriteString("map", spec.Label);
                w.WriteNumber("outputMass", map.OutputMass);
                w.WritePropertyName("p");
                w.WriteStartArray();
                for (var r = 0; r < scores.Rows; r++) JsonIo.WriteArray(w, p.AsSpan(r * scores.Cols, scores.Cols));
                w.WriteEndArray();
                w.WritePropertyName("tau");
                JsonIo.WriteArray(w, tau);
                w.WritePropertyName("support");
                w.WriteStartArray();
                foreach (var s in support) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return 0;
        }));
        return command;
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
