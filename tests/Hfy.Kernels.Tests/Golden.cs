using System.Text.Json;

namespace Hfy.Kernels.Tests;

/// <summary>One step of a golden trace: q_t and p_t = map(β X q_t).</summary>
public sealed record GoldenStep(int T, double[] Q, double[] P);

/// <summary>
/// The golden traces of Data/golden_vectors.json (float64, computed with the published code; see its
/// "notes"): bank X (N × D), q0, β, and per map name the steps (t, q_t, p_t).
/// </summary>
public sealed class Golden
{
    private static readonly Lazy<Golden> _instance = new(Load);

    private Golden(double[][] x, double[] q0, double beta, IReadOnlyDictionary<string, GoldenStep[]> traces, IReadOnlyDictionary<string, string> notes)
    {
        X = x;
        Q0 = q0;
        Beta = beta;
        Traces = traces;
        Notes = notes;
    }

    /// <summary>The shared, parsed golden file.</summary>
    public static Golden Vectors => _instance.Value;

    /// <summary>Patterns, one row per pattern.</summary>
    public double[][] X { get; }

    /// <summary>Initial query.</summary>
    public double[] Q0 { get; }

    /// <summary>Inverse temperature β.</summary>
    public double Beta { get; }

    /// <summary>Trace name (e.g. "sparsemax", "ksubsets2(budget,sum=2)") → steps.</summary>
    public IReadOnlyDictionary<string, GoldenStep[]> Traces { get; }

    /// <summary>The file's notes on how each trace was produced.</summary>
    public IReadOnlyDictionary<string, string> Notes { get; }

    /// <summary>Row-major float32 copy of X (the bank layout).</summary>
    public float[] XFlat => [.. X.SelectMany(r => r).Select(v => (float)v)];

    /// <summary>θ = β X q in float64.</summary>
    public double[] Scores(double[] q) =>
        [.. X.Select(row => Beta * row.Zip(q, (a, b) => a * b).Sum())];

    /// <summary>Path of the data file next to the test assembly.</summary>
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    private static Golden Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("golden_vectors.json")));
        var root = doc.RootElement;
        var x = root.GetProperty("X").EnumerateArray().Select(Doubles).ToArray();
        var q0 = Doubles(root.GetProperty("q0"));
        var beta = root.GetProperty("beta").GetDouble();
        var traces = new Dictionary<string, GoldenStep[]>();
        foreach (var trace in root.GetProperty("traces").EnumerateObject())
        {
            traces[trace.Name] = [.. trace.Value.EnumerateArray().Select(s =>
                new GoldenStep(s.GetProperty("t").GetInt32(), Doubles(s.GetProperty("q")), Doubles(s.GetProperty("p"))))];
        }

        var notes = new Dictionary<string, string>();
        if (root.TryGetProperty("notes", out var n))
        {
            foreach (var note in n.EnumerateObject())
            {
                notes[note.Name] = note.Value.GetString() ?? "";
            }
        }

        return new Golden(x, q0, beta, traces, notes);
    }

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];
}
