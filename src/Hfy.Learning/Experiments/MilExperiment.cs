using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Hfy.Kernels.Maps;
using Hfy.Learning.Mil;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Experiments;

/// <summary>One MIL cell: a configuration of one map on one data set, one outer fold, one seed.</summary>
/// <param name="Dataset">elephant, fox, tiger or fashion.</param>
/// <param name="MapIndex">Index in the spec's map list.</param>
/// <param name="Map">The map.</param>
/// <param name="Config">Configuration index.</param>
/// <param name="Fold">Outer fold (0 for fashion).</param>
/// <param name="Seed">Seed.</param>
/// <param name="Phase">1: grid search on seed 0; 2: reruns of the chosen configuration.</param>
public sealed record MilCell(string Dataset, int MapIndex, MapSpec Map, int Config, int Fold, int Seed, int Phase)
{
    /// <summary>The store key (unique per experiment).</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"mil|{Dataset}|{MapIndex}:{Map.Label}|c{Config}|f{Fold}|s{Seed}");
}

/// <summary>
/// The MIL experiment: its cells, how one runs, how the configuration is chosen and the report. The data sets are
/// loaded once per experiment object and shared by the cells (read-only).
/// </summary>
public sealed class MilExperiment
{
    private readonly ConcurrentDictionary<string, Lazy<BagSet>> _data = new();

    /// <summary>An experiment over a validated section.</summary>
    public MilExperiment(MilSpec spec)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        Maps = [.. spec.Maps!.Select((m, i) => m.ToSpec($"mil.maps[{i}]", out _)!)];
    }

    /// <summary>The section.</summary>
    public MilSpec Spec { get; }

    /// <summary>The maps, in spec order.</summary>
    public IReadOnlyList<MapSpec> Maps { get; }

    /// <summary>Folds of a data set (1 for fashion: fixed train/validation/test bags).</summary>
    public int FoldsOf(string dataset) => dataset == "fashion" ? 1 : Spec.Folds;

    /// <summary>Total cells: per (data set, map), configurations × folds on seed 0, then folds × (seeds − 1).</summary>
    public static long Count(MilSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        long total = 0;
        foreach (var d in spec.Datasets ?? [])
        {
            var folds = d == "fashion" ? 1 : spec.Folds;
            total += (spec.Maps?.Length ?? 0) * (long)folds * (spec.ConfigCount + Math.Max(0, spec.Seeds - 1));
        }

        return total;
    }

    /// <summary>Phase-1 cells of a (data set, map): every configuration on every fold for seed 0.</summary>
    public IEnumerable<MilCell> Phase1(string dataset, int mapIndex)
    {
        var configs = Spec.ConfigCount;
        for (var c = 0; c < configs; c++)
        {
            for (var f = 0; f < FoldsOf(dataset); f++)
            {
                yield return new MilCell(dataset, mapIndex, Maps[mapIndex], c, f, 0, 1);
            }
        }
    }

    /// <summary>Phase-2 cells: the chosen configuration on every fold for seeds 1 … seeds−1.</summary>
    public IEnumerable<MilCell> Phase2(string dataset, int mapIndex, int chosen)
    {
        for (var s = 1; s < Spec.Seeds; s++)
        {
            for (var f = 0; f < FoldsOf(dataset); f++)
            {
                yield return new MilCell(dataset, mapIndex, Maps[mapIndex], chosen, f, s, 2);
            }
        }
    }

    /// <summary>
    /// The configuration with the best mean validation score over the phase-1 cells (ROC-AUC; fashion: accuracy, ties to
    /// the lower validation loss being unavailable here, to the lower index).
    /// </summary>
    public static int Choose(IEnumerable<LearningCellMetrics> phase1)
    {
        ArgumentNullException.ThrowIfNull(phase1);
        var best = phase1.GroupBy(m => m.Config)
            .Select(g => (Config: g.Key, Score: g.Average(m => Score(m, validation: true))))
            .OrderByDescending(x => double.IsNaN(x.Score) ? double.NegativeInfinity : x.Score)
            .ThenBy(x => x.Config)
            .FirstOrDefault();
        return best.Config;
    }

    /// <summary>The reported metric: ROC-AUC, or accuracy for fashion bags.</summary>
    public static double Score(LearningCellMetrics m, bool validation)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Dataset == "fashion"
            ? validation ? m.ValidationAccuracy : m.TestAccuracy
            : validation ? m.ValidationAuc : m.TestAuc;
    }

    /// <summary>Trains and scores one cell.</summary>
    public LearningCellMetrics Run(MilCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var config = Spec.Configs(cell.Map)[cell.Config];
        BagSet data;
        int[] train, validation, test;
        if (cell.Dataset == "fashion")
        {
            var f = Spec.Fashion ?? new FashionBagsSpec();
            var trainSet = Load($"fashion-train-{cell.Seed}", () => FashionBagSet.Build(f.Dir ?? FashionBagSet.DefaultDirectory, "train", f.Pool, f.TrainBags, f.Target,
                cell.Seed * 10_000, f.MeanLength, f.StdLength, f.K));
            var evalSet = Load("fashion-test", () => FashionBagSet.Build(f.Dir ?? FashionBagSet.DefaultDirectory, "t10k", f.Pool, f.TestBags, f.Target,
                50_000, f.MeanLength, f.StdLength, f.K));
            data = new ConcatBagSet(trainSet, evalSet);
            train = [.. Enumerable.Range(0, trainSet.Count)];
            test = [.. Enumerable.Range(trainSet.Count, evalSet.Count / 2)];
            validation = [.. Enumerable.Range(trainSet.Count + (evalSet.Count / 2), evalSet.Count / 2)];
        }
        else
        {
            data = Load(cell.Dataset, () => DenseBagSet.LoadBenchmark(Spec.ResolvedDataDir, cell.Dataset));
            (train, validation, test) = StratifiedFolds.Split(data.Labels, Spec.Folds, cell.Fold, cell.Seed);
        }

        var r = MilTrainer.Run(data, train, validation, test, config, shuffleSeed: (cell.Seed * 7919) + cell.Fold);
        return new LearningCellMetrics("mil", cell.Dataset, cell.Map.Label, cell.Config, config.HyperLabel, cell.Fold, cell.Seed, cell.Phase,
            r.TrainAuc, r.ValidationAuc, r.TestAuc, r.TestAccuracy, r.ValidationAccuracy, r.FinalLoss, r.Seconds, r.BagsPerSecond);
    }

    private BagSet Load(string key, Func<BagSet> load) =>
        _data.GetOrAdd(key, _ => new Lazy<BagSet>(load, LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>
    /// The report: per data set × map, the chosen configuration, the per-seed means over folds and their mean ± population
    /// std (np.std), the cells' total training time and mean throughput.
    /// </summary>
    public static string Markdown(IEnumerable<LearningCellMetrics> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var all = cells.Where(c => c.Task == "mil").ToArray();
        var sb = new StringBuilder();
        sb.AppendLine("| dataset | map | metric | mean ± std over seeds | seeds | cells | chosen configuration | seconds | bags/s |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var group in all.GroupBy(c => (c.Dataset, c.Map)).OrderBy(g => g.Key.Dataset, StringComparer.Ordinal))
        {
            var phase1 = group.Where(c => c.Seed == 0).ToArray();
            var chosen = Choose(phase1);
            var rows = group.Where(c => c.Config == chosen).ToArray();
            var perSeed = rows.GroupBy(c => c.Seed).Select(g => g.Average(c => Score(c, validation: false))).ToArray();
            var (mean, std) = Metrics.MeanStd(perSeed);
            var metric = group.Key.Dataset == "fashion" ? "test accuracy" : "test ROC-AUC";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Dataset} | {group.Key.Map} | {metric} | {mean:F3} ± {std:F3} | {perSeed.Length} | {group.Count()} | {rows[0].Hyper} | {group.Sum(c => c.Seconds):F1} | {group.Average(c => c.BagsPerSecond):F0} |"));
        }

        return sb.ToString();
    }
}

/// <summary>Two bag sets side by side (indices of the second start at the first's count).</summary>
public sealed class ConcatBagSet : BagSet
{
    private readonly BagSet _first;
    private readonly BagSet _second;

    /// <summary>Joins two sets of the same instance width.</summary>
    public ConcatBagSet(BagSet first, BagSet second)
        : base(JoinedName(first, second), first.Features, [.. first.Labels, .. second.Labels])
    {
        _first = first;
        _second = second;
    }

    /// <summary><c>first+second</c>, once both are there and of the same instance width.</summary>
    private static string JoinedName(BagSet first, BagSet second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return first.Features == second.Features
            ? $"{first.Name}+{second.Name}"
            : throw new ArgumentException($"second: instance width {second.Features} differs from {first.Features}", nameof(second));
    }

    /// <inheritdoc />
    public override Matrix Bag(int index, Matrix buffer) =>
        index < _first.Count ? _first.Bag(index, buffer) : _second.Bag(index - _first.Count, buffer);

    /// <inheritdoc />
    public override int BagSize(int index) =>
        index < _first.Count ? _first.BagSize(index) : _second.BagSize(index - _first.Count);
}
