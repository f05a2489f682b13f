using Hfy.Learning.Mil;
using System.Globalization;

namespace Hfy.Learning.Experiments;

/// <summary>
/// The <c>mil</c> spec section (docs/learning.md): data sets, maps and the hyper-parameter grid of the published
/// HopfieldMIL protocol (data/mil/README.md). Every list is swept; with more than one configuration, seed 0 runs all of
/// them on every fold and the configuration with the best mean validation score is rerun for the other seeds.
/// </summary>
public sealed record MilSpec
{
    /// <summary>elephant, fox, tiger (data/mil) and fashion (Fashion-MNIST bags).</summary>
    public string[]? Datasets { get; init; }

    /// <summary>The pooling maps compared.</summary>
    public LearningMap[]? Maps { get; init; }

    /// <summary>Learning rates.</summary>
    public double[]? Lr { get; init; } = [1e-3];

    /// <summary>ExponentialLR γ values.</summary>
    public double[]? LrDecay { get; init; } = [0.98];

    /// <summary>Embedding widths.</summary>
    public int[]? EmbDims { get; init; } = [32];

    /// <summary>Embedding depths.</summary>
    public int[]? EmbLayers { get; init; } = [2];

    /// <summary>Per-head widths.</summary>
    public int[]? HiddenSize { get; init; } = [32];

    /// <summary>Head counts.</summary>
    public int[]? Heads { get; init; } = [12];

    /// <summary>β values.</summary>
    public double[]? Beta { get; init; } = [1.0];

    /// <summary>Dropout on the association weights.</summary>
    public double[]? Dropout { get; init; } = [0.0];

    /// <summary>Epochs per run.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Outer folds of the stratified cross-validation (Elephant/Fox/Tiger).</summary>
    public int Folds { get; init; } = 10;

    /// <summary>Seeds 0 … seeds−1 (split seeds; Fashion: training-bag seeds 0, 10000, 20000, …).</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Parameter-initialisation seed (the published code fixes 42).</summary>
    public int InitSeed { get; init; } = 42;

    /// <summary>Folder of elephant/, fox/, tiger/ (relative paths from the working directory).</summary>
    public string? DataDir { get; init; } = "data/mil";

    /// <summary>
    /// <see cref="DataDir"/> as a path: absolute paths as given; a relative path against the working directory, else
    /// against the nearest parent where it exists (so the examples run from any folder of the repository).
    /// </summary>
    public string ResolvedDataDir
    {
        get
        {
            var dir = DataDir ?? "data/mil";
            if (Path.IsPathRooted(dir) || Directory.Exists(dir))
            {
                return dir;
            }

            for (var parent = new DirectoryInfo(Directory.GetCurrentDirectory()).Parent; parent is not null; parent = parent.Parent)
            {
                var candidate = Path.Combine(parent.FullName, dir);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return dir;
        }
    }

    /// <summary>Fashion-MNIST bags settings.</summary>
    public FashionBagsSpec? Fashion { get; init; }

    /// <summary>The hyper-parameter configurations for one map, in grid order.</summary>
    public IReadOnlyList<MilConfig> Configs(Hfy.Kernels.Maps.MapSpec map) =>
        [.. from lr in Lr ?? []
            from decay in LrDecay ?? []
            from emb in EmbDims ?? []
            from layers in EmbLayers ?? []
            from hidden in HiddenSize ?? []
            from heads in Heads ?? []
            from beta in Beta ?? []
            from dropout in Dropout ?? []
            select new MilConfig(map, lr, decay, emb, layers, hidden, heads, beta, dropout, Epochs, InitSeed: InitSeed)];

    /// <summary>Number of configurations.</summary>
    public int ConfigCount =>
        (Lr?.Length ?? 0) * (LrDecay?.Length ?? 0) * (EmbDims?.Length ?? 0) * (EmbLayers?.Length ?? 0) * (HiddenSize?.Length ?? 0)
        * (Heads?.Length ?? 0) * (Beta?.Length ?? 0) * (Dropout?.Length ?? 0);

    /// <summary>Every problem, as (field path, message).</summary>
    public IReadOnlyList<(string Path, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        void Err(string path, string message) => errors.Add(($"mil.{path}", message));
        if (Datasets is not { Length: > 0 })
        {
            Err("datasets", "must list at least one of elephant, fox, tiger, fashion");
        }
        else
        {
            for (var i = 0; i < Datasets.Length; i++)
            {
                if (Datasets[i] is not ("elephant" or "fox" or "tiger" or "fashion"))
                {
                    Err($"datasets[{i}]", $"must be elephant, fox, tiger or fashion (got '{Datasets[i]}')");
                }
            }
        }

        if (Maps is not { Length: > 0 })
        {
            Err("maps", "must list at least one map");
        }
        else
        {
            for (var i = 0; i < Maps.Length; i++)
            {
                Maps[i].ToSpec($"mil.maps[{i}]", out var error);
                if (error is not null)
                {
                    errors.Add(($"mil.maps[{i}]", error));
                }
            }
        }

        Positive(Lr, "lr", 0, 1, errors);
        Positive(LrDecay, "lrDecay", 0, 1, errors, inclusiveHigh: true);
        Ints(EmbDims, "embDims", 1, 4096, errors);
        Ints(EmbLayers, "embLayers", 1, 16, errors);
        Ints(HiddenSize, "hiddenSize", 1, 4096, errors);
        Ints(Heads, "heads", 1, 256, errors);
        Positive(Beta, "beta", 0, 1e6, errors);
        if (Dropout is not { Length: > 0 } || Dropout.Any(d => !(d >= 0 && d < 1)))
        {
            Err("dropout", "must list values in [0, 1)");
        }

        if (Epochs is < 1 or > 1000)
        {
            Err("epochs", string.Create(CultureInfo.InvariantCulture, $"must be in [1, 1000] (got {Epochs})"));
        }

        if (Folds is < 2 or > 20)
        {
            Err("folds", string.Create(CultureInfo.InvariantCulture, $"must be in [2, 20] (got {Folds})"));
        }

        if (Seeds is < 1 or > 20)
        {
            Err("seeds", string.Create(CultureInfo.InvariantCulture, $"must be in [1, 20] (got {Seeds})"));
        }

        if (Datasets?.Any(d => d != "fashion") == true && !Directory.Exists(Path.Combine(ResolvedDataDir, "tiger")))
        {
            Err("dataDir", $"must be the folder holding elephant/, fox/, tiger/ (got '{DataDir}', looked in the working directory and its parents)");
        }

        if (Datasets?.Contains("fashion") == true)
        {
            var f = Fashion ?? new FashionBagsSpec();
            if (!FashionBagSet.Available(f.Dir ?? FashionBagSet.DefaultDirectory))
            {
                Err("fashion.dir", $"Fashion-MNIST IDX files not found in {f.Dir ?? FashionBagSet.DefaultDirectory} (install dataset-fashion-mnist; MNIST itself is not available here)");
            }

            if (f.Target is < 0 or > 9)
            {
                Err("fashion.target", $"must be a class 0..9 (got {f.Target})");
            }

            if (f.TrainBags < 2 || f.TrainBags % 2 != 0 || f.TestBags < 4 || f.TestBags % 4 != 0)
            {
                Err("fashion.trainBags", $"trainBags must be even and ≥ 2, testBags a multiple of 4 (got {f.TrainBags}, {f.TestBags})");
            }

            if (f.Pool is < 1000 or > 60000)
            {
                Err("fashion.pool", $"must be in [1000, 60000] images (got {f.Pool})");
            }

            if (f.K < 1 || !(f.MeanLength > 0) || !(f.StdLength >= 0))
            {
                Err("fashion.k", $"k must be ≥ 1, meanLength > 0, stdLength ≥ 0 (got {f.K}, {f.MeanLength}, {f.StdLength})");
            }
        }

        return errors;
    }

    private static void Positive(double[]? values, string path, double low, double high, List<(string, string)> errors, bool inclusiveHigh = false)
    {
        if (values is not { Length: > 0 } || values.Any(v => !(v > low) || !(inclusiveHigh ? v <= high : v < high)))
        {
            errors.Add(($"mil.{path}", string.Create(CultureInfo.InvariantCulture, $"must list values in ({low}, {high}{(inclusiveHigh ? "]" : ")")}")));
        }
    }

    private static void Ints(int[]? values, string path, int low, int high, List<(string, string)> errors)
    {
        if (values is not { Length: > 0 } || values.Any(v => v < low || v > high))
        {
            errors.Add(($"mil.{path}", string.Create(CultureInfo.InvariantCulture, $"must list whole numbers in [{low}, {high}]")));
        }
    }
}

/// <summary>Fashion-MNIST bags (the MNIST-bags protocol of data/mil/README.md on Fashion-MNIST).</summary>
public sealed record FashionBagsSpec
{
    /// <summary>Folder of the IDX files (default /usr/share/datasets/fashion-mnist).</summary>
    public string? Dir { get; init; }

    /// <summary>Target class (9 = ankle boot, as the published target digit 9).</summary>
    public int Target { get; init; } = 9;

    /// <summary>Training bags (from the train split).</summary>
    public int TrainBags { get; init; } = 2000;

    /// <summary>Evaluation bags from the test split, seed 50000: the first half test, the second half validation.</summary>
    public int TestBags { get; init; } = 1000;

    /// <summary>Images of each split the bags draw from (the first ones of the file).</summary>
    public int Pool { get; init; } = 10000;

    /// <summary>Mean bag length.</summary>
    public double MeanLength { get; init; } = FashionBagSet.DefaultMeanLength;

    /// <summary>Std of the bag length.</summary>
    public double StdLength { get; init; } = FashionBagSet.DefaultStdLength;

    /// <summary>A bag is positive iff it holds ≥ k target instances.</summary>
    public int K { get; init; } = FashionBagSet.DefaultK;
}
