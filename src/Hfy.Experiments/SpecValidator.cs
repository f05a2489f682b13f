using System.Globalization;
using System.Text.Json;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments;

/// <summary>
/// Checks a spec before anything runs and lists EVERY problem with its field path. Used by <c>hfy run</c>,
/// the experiment manager and <c>POST /api/experiments</c>.
/// </summary>
public static class SpecValidator
{
    /// <summary>How to get the Fashion-MNIST IDX files the example specs use.</summary>
    public const string FashionMnistHint =
        "install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); `dpkg -L dataset-fashion-mnist` lists its IDX files";

    /// <summary>The experiment kinds.</summary>
    public static IReadOnlyList<string> Kinds => ExperimentNames.KindNames;

    /// <summary>The bank sources.</summary>
    public static IReadOnlyList<string> Sources => ExperimentPlan.PlanSourceNames;

    /// <summary>Parses and validates JSON; a malformed document gives one error at the JSON path where parsing stopped.</summary>
    public static (ExperimentSpec? Spec, IReadOnlyList<SpecError> Errors) ParseAndValidate(string json, SpecLimits limits)
    {
        ArgumentNullException.ThrowIfNull(json);
        ExperimentSpec spec;
        try
        {
            spec = ExperimentSpec.Parse(json);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path.TrimStart('$', '.');
            return (null, [new SpecError(path.Length == 0 ? "$" : path, "not valid spec JSON: " + FirstLine(e.Message))]);
        }
        return (spec, Validate(spec, limits));
    }

    /// <summary>Every problem of <paramref name="spec"/> under <paramref name="limits"/>; empty when it can run.</summary>
    public static IReadOnlyList<SpecError> Validate(ExperimentSpec spec, SpecLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<SpecError>();
        void Err(string path, string message) => errors.Add(new SpecError(path, message));

        var kind = ExperimentNames.ParseKind(spec.Kind);
        if (kind is null)
            Err("kind", $"must be one of {string.Join(", ", Kinds)} (got '{spec.Kind}')");

        if (spec.Queries < 1) Err("queries", $"must be ≥ 1 (got {spec.Queries})");
        else if (spec.Queries > limits.MaxQueries) Err("queries", $"must be ≤ {limits.MaxQueries} (got {spec.Queries})");
        CheckFinite(spec.Tol, "tol", errors);
        if (spec.Tol < 0) Err("tol", $"must be ≥ 0 (got {F(spec.Tol)})");
        if (kind == ExperimentKind.Exponential || spec.Exponential is not null)
        {
            Exponential.ExponentialValidation.Validate(spec, kind, limits, errors);
            return errors;
        }

        var dim = ValidateBank(spec.Bank, errors, out var fileRows);
        ValidateGrid(spec, kind, dim, fileRows, limits, errors);
        ValidateSuccess(spec.Success, errors);
        if (kind?.IsRecall() == true) RecallValidation.Validate(spec, kind.Value, limits, errors);
        else if (spec.Recall is not null)
            Err("recall", $"only free-recall and sequential-recall take recall parameters (kind is '{spec.Kind}')");
        if (kind == ExperimentKind.Basins)
        {
            var b = spec.Basins ?? new BasinsSpec();
            if (dim is not null && dim != 2) Err("bank.dim", $"basins needs 2-D patterns (got D = {dim})");
            if (b.Resolution is < 2 or > 1000) Err("basins.resolution", $"must be in [2, 1000] (got {b.Resolution})");
            CheckFinite(b.Lo, "basins.lo", errors);
            CheckFinite(b.Hi, "basins.hi", errors);
            if (!(b.Lo < b.Hi)) Err("basins.hi", $"must be > basins.lo (got lo {F(b.Lo)}, hi {F(b.Hi)})");
            if (!(b.Radius > 0) || !double.IsFinite(b.Radius)) Err("basins.radius", $"must be finite and > 0 (got {F(b.Radius)})");
        }
        return errors;
    }

    private static int? ValidateBank(BankSourceSpec? bank, List<SpecError> errors, out long? fileRows)
    {
        fileRows = null;
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        if (bank is null)
        {
            Err("bank", "is required");
            return null;
        }
        var source = bank.Source?.Trim().ToLowerInvariant();
        var kind = BankAddress.ParseSource(source);
        if (source != "inline" && kind is null)
        {
            Err("bank.source", $"must be one of {string.Join(", ", Sources)} (got '{bank.Source}')");
            return bank.Dim;
        }
        if (bank.Dim is < 1) Err("bank.dim", $"must be ≥ 1 (got {bank.Dim})");
        switch (source)
        {
            case not "inline" when BankAddress.IsGenerated(kind!.Value):
                if (bank.Dim is null) Err("bank.dim", $"is required for the {source} generator");
                if (bank.Path is not null) Err("bank.path", $"is not used by the {source} generator");
                return bank.Dim;
            case "inline":
                if (bank.Patterns is null || bank.Patterns.Length == 0)
                {
                    Err("bank.patterns", "inline source needs at least one pattern");
                    return bank.Dim;
                }
                var d = bank.Patterns[0]?.Length ?? 0;
                for (var i = 0; i < bank.Patterns.Length; i++)
                {
                    var row = bank.Patterns[i];
                    if (row is null || row.Length != d || d == 0)
                    {
                        Err($"bank.patterns[{i}]", $"must have {Math.Max(d, 1)} values like patterns[0] (got {row?.Length ?? 0})");
                        continue;
                    }
                    for (var j = 0; j < row.Length; j++) CheckFinite(row[j], $"bank.patterns[{i}][{j}]", errors);
                }
                if (bank.Dim is not null && bank.Dim != d) Err("bank.dim", $"does not match the inline patterns (D = {d}, got {bank.Dim})");
                fileRows = bank.Patterns.Length;
                return d;
            default:
                if (string.IsNullOrWhiteSpace(bank.Path))
                {
                    Err("bank.path", $"is required for the {source} source");
                    return bank.Dim;
                }
                if (!File.Exists(bank.Path))
                {
                    var hint = bank.Path.Contains("fashion", StringComparison.OrdinalIgnoreCase) || source == "idx"
                        ? "; " + FashionMnistHint : "";
                    Err("bank.path", $"file not found: {bank.Path}{hint}");
                    return bank.Dim;
                }
                try
                {
                    var (rows, fileDim) = BankSources.FileShape(kind!.Value, bank.Path);
                    fileRows = rows;
                    if (bank.Dim is not null && bank.Dim != fileDim)
                        Err("bank.dim", $"does not match the file (D = {fileDim}, got {bank.Dim})");
                    return fileDim;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or FormatException or OverflowException or UnauthorizedAccessException)
                {
                    Err("bank.path", $"cannot read a {source} header from {bank.Path}: {FirstLine(e.Message)}");
                    return bank.Dim;
                }
        }
    }

    private static void ValidateGrid(ExperimentSpec spec, ExperimentKind? kind, int? dim, long? fileRows, SpecLimits limits, List<SpecError> errors)
    {
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        var grid = spec.Grid;
        if (grid is null)
        {
            Err("grid", "is required");
            return;
        }

        long minN = long.MaxValue;
        if (grid.Sizes is null || grid.Sizes.Length == 0) Err("grid.sizes", "must list at least one bank size N (empty grid)");
        else
        {
            for (var i = 0; i < grid.Sizes.Length; i++)
            {
                var n = grid.Sizes[i];
                var p = $"grid.sizes[{i}]";
                minN = Math.Min(minN, n);
                if (n < 1) Err(p, $"must be ≥ 1 (got {n})");
                else if (n > limits.MaxRows) Err(p, $"N = {n} is beyond the configured limit of {limits.MaxRows} rows");
                else if (fileRows is not null && n > fileRows) Err(p, $"N = {n} is more than the {fileRows} patterns the source holds");
                else if (dim is not null && n * (long)dim * 4 > limits.MemoryBudgetBytes)
                    Err(p, $"N = {n} × D = {dim} × 4 bytes = {Bytes(n * (long)dim * 4)} is more memory than the cluster has for a bank ({Bytes(limits.MemoryBudgetBytes)})");
                if (Array.IndexOf(grid.Sizes, n) < i) Err(p, $"duplicates an earlier size ({n})");
            }
        }

        if (grid.Maps is null || grid.Maps.Length == 0) Err("grid.maps", "must list at least one map (empty grid)");
        else
        {
            var labels = new Dictionary<string, int>();
            for (var i = 0; i < grid.Maps.Length; i++)
            {
                var m = grid.Maps[i];
                var p = $"grid.maps[{i}]";
                if (m is null)
                {
                    Err(p, "is null");
                    continue;
                }
                var before = errors.Count;
                if (kind?.IsRecall() == true) RecallValidation.ValidateMap(m, p, kind.Value, errors);
                else ValidateMap(m, p, minN == long.MaxValue ? null : minN, kind, errors);
                if (errors.Count == before)
                {
                    var map = CellMap.For(m, kind);
                    if (labels.TryGetValue(map.Label, out var j)) Err(p, $"duplicates grid.maps[{j}] ({map.Label})");
                    else labels[map.Label] = i;
                    if (map.Baseline is not null && minN != long.MaxValue && (grid.Sizes ?? []).Max() > limits.MaxBaselineRows)
                        Err(p, $"the {map.Label} baseline runs on the coordinator and accepts N ≤ {limits.MaxBaselineRows} (grid.sizes has {(grid.Sizes ?? []).Max()})");
                }
            }
        }

        if (grid.Betas is null || grid.Betas.Length == 0) Err("grid.betas", "must list at least one β (empty grid)");
        else
        {
            for (var i = 0; i < grid.Betas.Length; i++)
            {
                var b = grid.Betas[i];
                if (!double.IsFinite(b) || b <= 0) Err($"grid.betas[{i}]", $"β must be finite and > 0 (got {F(b)})");
                else if (Array.IndexOf(grid.Betas, b) < i) Err($"grid.betas[{i}]", $"duplicates an earlier β ({F(b)})");
            }
        }

        if (grid.Posts is null || grid.Posts.Length == 0) Err("grid.posts", "must list at least one post-transform (empty grid)");
        else
        {
            for (var i = 0; i < grid.Posts.Length; i++)
            {
                var post = Cell.ParsePost(grid.Posts[i]);
                if (post is null) Err($"grid.posts[{i}]", $"must be identity, l2, layernorm or tanh (got '{grid.Posts[i]}')");
                else if (grid.Posts.Take(i).Any(q => Cell.ParsePost(q) == post)) Err($"grid.posts[{i}]", $"duplicates an earlier post-transform ({grid.Posts[i]})");
            }
        }

        if (grid.Noise is null || grid.Noise.Length == 0) Err("grid.noise", "must list at least one σ (use [0] for no noise; empty grid)");
        else
        {
            for (var i = 0; i < grid.Noise.Length; i++)
            {
                var s = grid.Noise[i];
                if (!double.IsFinite(s) || s < 0) Err($"grid.noise[{i}]", $"σ must be finite and ≥ 0 (got {F(s)})");
                else if (Array.IndexOf(grid.Noise, s) < i) Err($"grid.noise[{i}]", $"duplicates an earlier σ ({F(s)})");
            }
        }

        if (!double.IsFinite(grid.Mask) || grid.Mask < 0 || grid.Mask >= 1) Err("grid.mask", $"masked fraction must be in [0, 1) (got {F(grid.Mask)})");
        if (grid.Clip is not null)
        {
            if (grid.Clip.Length != 2) Err("grid.clip", $"must be [lo, hi] (got {grid.Clip.Length} values)");
            else if (!double.IsFinite(grid.Clip[0]) || !double.IsFinite(grid.Clip[1]) || grid.Clip[0] >= grid.Clip[1])
                Err("grid.clip", $"must be finite with lo < hi (got [{F(grid.Clip[0])}, {F(grid.Clip[1])}])");
        }
        if (grid.Steps < 0) Err("grid.steps", $"T must be ≥ 0 (got {grid.Steps})");
        else if (grid.Steps > limits.MaxSteps) Err("grid.steps", $"T must be ≤ {limits.MaxSteps} (got {grid.Steps})");
        if (grid.Repeats < 1) Err("grid.repeats", $"must be ≥ 1 (got {grid.Repeats})");

        var cells = GridExpansion.Count(spec);
        if (cells > limits.MaxCells) Err("grid", $"expands to {cells} cells, more than the limit of {limits.MaxCells}");
    }

    private static void ValidateMap(MapEntry m, string p, long? minN, ExperimentKind? kind, List<SpecError> errors)
    {
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        var name = m.Name?.Trim().ToLowerInvariant();
        if (name is null || !CellMap.Names.Contains(name))
        {
            Err($"{p}.name", $"unknown map '{m.Name}' (known: {string.Join(", ", CellMap.Names)})");
            return;
        }
        void Unused(object? value, string field)
        {
            if (value is not null) Err($"{p}.{field}", $"is not a parameter of {name}");
        }
        switch (name)
        {
            case "entmax":
                if (m.Alpha is { } a && (!double.IsFinite(a) || a < 1)) Err($"{p}.alpha", $"α must be ≥ 1 and finite (got {F(a)})");
                Unused(m.Gamma, "gamma"); Unused(m.K, "k"); Unused(m.N, "n"); Unused(m.BetaIn, "betaIn"); Unused(m.W, "w");
                break;
            case "normmax":
                if (m.Gamma is { } g && (!double.IsFinite(g) || g <= 1)) Err($"{p}.gamma", $"γ must be > 1 and finite (got {F(g)})");
                Unused(m.Alpha, "alpha"); Unused(m.K, "k"); Unused(m.N, "n"); Unused(m.BetaIn, "betaIn"); Unused(m.W, "w");
                break;
            case "ksubsets" or "seq-ksubsets":
                if (m.K is { } k && k < 1) Err($"{p}.k", $"k must be ≥ 1 (got {k})");
                else if ((m.K ?? 1) > minN) Err($"{p}.k", $"k must be ≤ the smallest N ({minN}) (got {m.K})");
                if (m.W is { } w && !double.IsFinite(w)) Err($"{p}.w", $"must be finite (got {F(w)})");
                if (name == "ksubsets") Unused(m.W, "w");
                Unused(m.Alpha, "alpha"); Unused(m.Gamma, "gamma"); Unused(m.N, "n"); Unused(m.BetaIn, "betaIn");
                break;
            case "dam-poly":
                if (m.N is { } n && n < 1) Err($"{p}.n", $"degree n must be ≥ 1 (got {n})");
                Unused(m.Alpha, "alpha"); Unused(m.Gamma, "gamma"); Unused(m.K, "k"); Unused(m.BetaIn, "betaIn"); Unused(m.W, "w");
                break;
            case "dam-exp":
                if (m.BetaIn is { } bi && (!double.IsFinite(bi) || bi <= 0)) Err($"{p}.betaIn", $"β_in must be finite and > 0 (got {F(bi)})");
                Unused(m.Alpha, "alpha"); Unused(m.Gamma, "gamma"); Unused(m.K, "k"); Unused(m.N, "n"); Unused(m.W, "w");
                break;
            default:
                Unused(m.Alpha, "alpha"); Unused(m.Gamma, "gamma"); Unused(m.K, "k"); Unused(m.N, "n"); Unused(m.BetaIn, "betaIn"); Unused(m.W, "w");
                break;
        }
        if (name == "seq-ksubsets" && kind == ExperimentKind.Capacity)
            Err($"{p}.name", "seq-ksubsets returns k-subset marginals, not single patterns (sequential-recall runs it, as seq-2-subsets, for its transitions)");
    }

    private static void ValidateSuccess(SuccessSpec? success, List<SpecError> errors)
    {
        if (success is null) return;
        if (ExperimentNames.ParseCriterion(success.Criterion) is null) errors.Add(new SpecError("success.criterion", $"must be exact or cosine (got '{success.Criterion}')"));
        if (!double.IsFinite(success.Threshold) || success.Threshold <= -1 || success.Threshold > 1)
            errors.Add(new SpecError("success.threshold", $"cosine threshold must be in (−1, 1] (got {F(success.Threshold)})"));
    }

    internal static void CheckFinite(double v, string path, List<SpecError> errors)
    {
        if (!double.IsFinite(v)) errors.Add(new SpecError(path, $"must be a finite number (got {F(v)})"));
    }

    internal static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static string Bytes(long b) => b switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0.##} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b} B"),
    };
}
