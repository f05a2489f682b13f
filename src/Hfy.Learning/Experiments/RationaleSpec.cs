using System.Globalization;
using System.Text;
using Hfy.Kernels.Maps;
using Hfy.Learning.Mil;
using Hfy.Learning.Rationale;

namespace Hfy.Learning.Experiments;

/// <summary>
/// The <c>rationale</c> spec section (docs/learning.md): the synthetic planted-span task, the model and the maps compared
/// (k-subsets against sequential k-subsets with an adjacency bonus). One cell = one map × one seed.
/// </summary>
public sealed record RationaleSpec
{
    /// <summary>The task's data settings default to <see cref="RationaleData"/>'s.</summary>
    private static readonly RationaleData DataDefaults = new();

    /// <summary>Tokens per sequence.</summary>
    public int Length { get; init; } = DataDefaults.Length;

    /// <summary>Token width.</summary>
    public int Dim { get; init; } = DataDefaults.Dim;

    /// <summary>Planted span length.</summary>
    public int Span { get; init; } = DataDefaults.Span;

    /// <summary>Marker strength inside the span (feature 0).</summary>
    public double Marker { get; init; } = DataDefaults.Marker;

    /// <summary>Label strength (feature 1).</summary>
    public double Signal { get; init; } = DataDefaults.Signal;

    /// <summary>Training sequences.</summary>
    public int Train { get; init; } = DataDefaults.Train;

    /// <summary>Test sequences.</summary>
    public int Test { get; init; } = DataDefaults.Test;

    /// <summary>Tokens the rationale keeps (the k of the maps' top-k read-out).</summary>
    public int K { get; init; } = 5;

    /// <summary>The pooling maps compared (k-subsets, seq-ksubsets with w).</summary>
    public LearningMap[]? Maps { get; init; }

    /// <summary>Learning rate.</summary>
    public double Lr { get; init; } = 5e-3;

    /// <summary>ExponentialLR γ.</summary>
    public double LrDecay { get; init; } = 0.98;

    /// <summary>Token embedding width (one Linear + ReLU).</summary>
    public int EmbDims { get; init; } = 16;

    /// <summary>Query/key/value width.</summary>
    public int HiddenSize { get; init; } = 8;

    /// <summary>β.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 15;

    /// <summary>Seeds 0 … seeds−1 (data, initialisation and shuffles).</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>The task's data settings.</summary>
    public RationaleData Data => new(Length, Dim, Span, Marker, Signal, Train, Test);

    /// <summary>The model for one map and seed (one head, as a rationale is one selection).</summary>
    public MilConfig Config(MapSpec map, int seed) =>
        new(map, Lr, LrDecay, EmbDims, 1, HiddenSize, 1, Beta, 0.0, Epochs, WeightDecay: 1e-4, InitSeed: 42 + seed);

    /// <summary>Every problem, as (field path, message).</summary>
    public IReadOnlyList<(string Path, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        void Err(string path, string message) => errors.Add(($"rationale.{path}", message));
        if (Length is < 2 or > 10_000) Err("length", $"must be in [2, 10000] (got {Length})");
        if (Dim is < 2 or > 4096) Err("dim", $"must be in [2, 4096] (got {Dim})");
        if (Span < 1 || Span > Length) Err("span", $"must be in [1, length = {Length}] (got {Span})");
        if (K < 1 || K >= Length) Err("k", $"must be in [1, length − 1 = {Length - 1}] (got {K})");
        if (Train is < 2 or > 1_000_000 || Test is < 2 or > 1_000_000) Err("train", $"train and test must be in [2, 1000000] (got {Train}, {Test})");
        if (!double.IsFinite(Marker) || !double.IsFinite(Signal)) Err("marker", "marker and signal must be finite");
        if (!(Lr > 0 && Lr < 1)) Err("lr", string.Create(CultureInfo.InvariantCulture, $"must be in (0, 1) (got {Lr})"));
        if (!(LrDecay > 0 && LrDecay <= 1)) Err("lrDecay", string.Create(CultureInfo.InvariantCulture, $"must be in (0, 1] (got {LrDecay})"));
        if (EmbDims is < 1 or > 4096 || HiddenSize is < 1 or > 4096) Err("embDims", $"embDims and hiddenSize must be in [1, 4096] (got {EmbDims}, {HiddenSize})");
        if (!(Beta > 0) || !double.IsFinite(Beta)) Err("beta", string.Create(CultureInfo.InvariantCulture, $"must be finite and > 0 (got {Beta})"));
        if (Epochs is < 1 or > 1000) Err("epochs", $"must be in [1, 1000] (got {Epochs})");
        if (Seeds is < 1 or > 100) Err("seeds", $"must be in [1, 100] (got {Seeds})");
        if (Maps is not { Length: > 0 })
        {
            Err("maps", "must list at least one map (ksubsets, seq-ksubsets)");
        }
        else
        {
            for (var i = 0; i < Maps.Length; i++)
            {
                var spec = Maps[i].ToSpec($"rationale.maps[{i}]", out var error);
                if (error is not null) errors.Add(($"rationale.maps[{i}]", error));
                else if (spec!.Kind is not (MapKind.KSubsets or MapKind.SeqKSubsets)) Err($"maps[{i}].name", $"must be ksubsets or seq-ksubsets (got '{Maps[i].Name}')");
                else if (spec.K >= Length) Err($"maps[{i}].k", $"must be < length = {Length} (got {spec.K})");
            }
        }

        return errors;
    }

    /// <summary>Cells: (map index, seed), map-major.</summary>
    public IEnumerable<(int Map, int Seed)> Cells() =>
        from m in Enumerable.Range(0, Maps?.Length ?? 0) from s in Enumerable.Range(0, Seeds) select (m, s);

    /// <summary>Number of cells.</summary>
    public long Count => (long)(Maps?.Length ?? 0) * Seeds;

    /// <summary>The store key of a cell.</summary>
    public string Key(int map, int seed) => string.Create(CultureInfo.InvariantCulture, $"rationale|{map}:{MapOf(map).Label}|s{seed}");

    /// <summary>The engine spec of map <paramref name="index"/>.</summary>
    public MapSpec MapOf(int index) => Maps![index].ToSpec($"rationale.maps[{index}]", out _)!;

    /// <summary>Trains and scores one cell.</summary>
    public LearningCellMetrics Run(int map, int seed)
    {
        var spec = MapOf(map);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = RationaleTask.Run(Data, Config(spec, seed), K, seed);
        return new LearningCellMetrics("rationale", "rationale", spec.Label, map, Config(spec, seed).HyperLabel, 0, seed, 2,
            double.NaN, double.NaN, double.NaN, r.Accuracy, double.NaN, r.FinalLoss, clock.Elapsed.TotalSeconds, r.BagsPerSecond,
            r.Precision, r.Runs, r.Recall);
    }

    /// <summary>Per map: accuracy, precision, recall and runs, mean ± population std over seeds.</summary>
    public static string Markdown(IEnumerable<LearningCellMetrics> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var sb = new StringBuilder();
        sb.AppendLine("| pooling | test accuracy | precision vs planted span | recall | runs (contiguity, 1 = one block) | seeds | seconds | sequences/s |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var g in cells.Where(c => c.Task == "rationale").GroupBy(c => (c.Config, c.Map)).OrderBy(g => g.Key.Config))
        {
            string F(Func<LearningCellMetrics, double> f)
            {
                var (mean, std) = Metrics.MeanStd([.. g.Select(f)]);
                return string.Create(CultureInfo.InvariantCulture, $"{mean:F3} ± {std:F3}");
            }

            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Key.Map} | {F(c => c.TestAccuracy)} | {F(c => c.Precision ?? double.NaN)} | {F(c => c.Recall ?? double.NaN)} | {F(c => c.Runs ?? double.NaN)} | {g.Count()} | {g.Sum(c => c.Seconds):F1} | {g.Average(c => c.BagsPerSecond):F0} |"));
        }

        return sb.ToString();
    }
}
