using System.Globalization;
using System.Text.Json;
using Hfy.Kernels.Dynamics;
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
            var (path, message) = JsonProblem.Describe(e);
            return (null, [new SpecError(path, message)]);
        }
        var errors = Validate(spec, limits);
        // A confined file source runs from the path validation resolved: a link changed afterwards cannot redirect it.
        if (errors.Count == 0 && limits.DataRoots is not null && spec.Bank?.Path is { } p && IsFileSource(spec.Bank.Source))
            spec = spec with { Bank = spec.Bank with { Path = DataRoots.Resolve(p) } };
        return (spec, errors);
    }

    private static bool IsFileSource(string? source) => source?.Trim().ToLowerInvariant() is "idx" or "npy" or "csv";

    /// <summary>Every problem of <paramref name="spec"/> under <paramref name="limits"/>; empty when it can run.</summary>
    public static IReadOnlyList<SpecError> Validate(ExperimentSpec spec, SpecLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<SpecError>();
        void Err(string path, string message) => errors.Add(new SpecError(path, message));

        if (spec.Name is { } name && name.Length > limits.MaxNameLength)
            Err("name", $"must be at most {limits.MaxNameLength} characters (got {name.Length})");
        var kind = ExperimentNames.ParseKind(spec.Kind);
        if (kind is null)
            Err("kind", $"must be one of {string.Join(", ", Kinds)} (got '{Clip(spec.Kind)}')");

        if (spec.Queries is < 1) Err("queries", $"must be ≥ 1 (got {spec.Queries})");
        else if (spec.Queries > limits.MaxQueries) Err("queries", $"must be ≤ {limits.MaxQueries} (got {spec.Queries})");
        else if (spec.Queries is null && QueryBuilder.IsFileBank(spec) && spec.Grid?.Sizes is { Length: > 0 } sizes && sizes.Max() > limits.MaxQueries)
            Err("queries", $"file banks query every stored pattern by default, and N = {sizes.Max()} is more than the limit of {limits.MaxQueries} queries; set queries");
        if (BaselineDynamics.ParseUpdate(spec.BaselineUpdate) is null)
            Err("baselineUpdate", $"must be {string.Join(" or ", BaselineDynamics.UpdateNames)} (got '{spec.BaselineUpdate}')");
        CheckFinite(spec.Tol, "tol", errors);
        if (spec.Tol < 0) Err("tol", $"must be ≥ 0 (got {F(spec.Tol)})");
        if ((kind is { } learning && LearningKinds.IsLearning(learning)) || spec.Mil is not null || spec.Rationale is not null)
        {
            LearningKinds.Validate(spec, kind, errors);
            return errors;
        }
        if (kind == ExperimentKind.Exponential || spec.Exponential is not null)
        {
            ExponentialValidation.Validate(spec, kind, limits, errors);
            return errors;
        }

        var dim = ValidateBank(spec.Bank, limits, errors, out var fileRows);
        ValidateGrid(spec, kind, dim, fileRows, limits, errors);
        ValidateSuccess(spec.Success, errors);
        if (kind?.IsRecall() == true) RecallValidation.Validate(spec, kind.Value, limits, errors);
        else if (spec.Recall is not null)
            Err("recall", $"only free-recall and sequential-recall take recall parameters (kind is '{Clip(spec.Kind)}')");
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

    private static int? ValidateBank(BankSourceSpec? bank, SpecLimits limits, List<SpecError> errors, out long? fileRows)
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
            Err("bank.source", $"must be one of {string.Join(", ", Sources)} (got '{Clip(bank.Source)}')");
            return bank.Dim;
        }
        if (bank.Dim is < 1) Err("bank.dim", $"must be ≥ 1 (got {bank.Dim})");
        BankSectionValidation.StorageAndGenerator(bank, kind, normalized: false, errors);
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
                var path = bank.Path;
                if (limits.DataRoots is { } roots)
                {
                    // Resolved first (links, ..): nothing outside the data directories is opened, not even to say it is missing.
                    string resolved;
                    try
                    {
                        resolved = DataRoots.Resolve(path);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                    {
                        Err("bank.path", "cannot be resolved (a symbolic link loop or an unreadable directory)");
                        return bank.Dim;
                    }
                    if (!DataRoots.IsInside(resolved, roots))
                    {
                        Err("bank.path", $"is outside the data directories this coordinator reads ({string.Join(", ", roots)})");
                        return bank.Dim;
                    }
                    path = resolved;
                }
                if (Directory.Exists(path))
                {
                    Err("bank.path", $"is a directory, not a {source} file: {Clip(bank.Path)}");
                    return bank.Dim;
                }
                if (!File.Exists(path))
                {
                    var hint = bank.Path.Contains("fashion", StringComparison.OrdinalIgnoreCase) || source == "idx"
                        ? "; " + FashionMnistHint : "";
                    Err("bank.path", $"file not found: {Clip(bank.Path)}{hint}");
                    return bank.Dim;
                }
                if (source == "csv" && new FileInfo(path).Length is var size && size > limits.MaxCsvBytes)
                {
                    Err("bank.path", $"CSV file of {Bytes(size)} is larger than the limit of {Bytes(limits.MaxCsvBytes)} (convert it to .npy)");
                    return bank.Dim;
                }
                try
                {
                    var (rows, fileDim) = BankSources.FileShape(kind!.Value, path);
                    fileRows = rows;
                    if (bank.Dim is not null && bank.Dim != fileDim)
                        Err("bank.dim", $"does not match the file (D = {fileDim}, got {bank.Dim})");
                    return fileDim;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
                {
                    // The loaders' messages name the file and the rule and never quote its contents.
                    Err("bank.path", $"cannot read it as {source}: {FirstLine(e.Message)}");
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

        // Duplicate checks use hash sets: validation stays linear in the spec (a quadratic scan took 27 s for 300,000 σ values).
        long minN = long.MaxValue;
        var maxN = grid.Sizes is { Length: > 0 } ? grid.Sizes.Max() : 0;
        var streamed = BankAddress.ParseStorage(spec.Bank?.Storage) is BankStorage.Procedural or BankStorage.Mapped;
        if (grid.Sizes is null || grid.Sizes.Length == 0) Err("grid.sizes", "must list at least one bank size N (empty grid)");
        else
        {
            var seenSizes = new HashSet<long>();
            for (var i = 0; i < grid.Sizes.Length; i++)
            {
                var n = grid.Sizes[i];
                var p = $"grid.sizes[{i}]";
                minN = Math.Min(minN, n);
                if (n < 1) Err(p, $"must be ≥ 1 (got {n})");
                else if (n > limits.RowLimit(streamed)) Err(p, $"N = {n} is beyond the configured limit of {limits.RowLimit(streamed)} rows{(streamed ? "" : " held in memory (storage procedural or mapped streams larger banks)")}");
                else if (fileRows is not null && n > fileRows) Err(p, $"N = {n} is more than the {fileRows} patterns the source holds");
                else if (dim is not null && BankShape(spec.Bank, n, dim.Value) is { } shape && MemoryAdmission.Refusal(shape, n, limits.MemoryBudgetBytes) is { } refusal)
                    Err(p, refusal);
                if (!seenSizes.Add(n)) Err(p, $"duplicates an earlier size ({n})");
            }
        }

        ValidateMapList(grid.Maps, "grid.maps", "must list at least one map (empty grid)", errors, (m, p) =>
        {
            if (m is null)
            {
                Err(p, "is null");
                return null;
            }
            var before = errors.Count;
            ValidatePosts(m.Posts, $"{p}.posts", kind, errors);
            if (kind?.IsRecall() == true) RecallValidation.ValidateMap(m, p, kind.Value, errors);
            else ValidateMap(m, p, minN == long.MaxValue ? null : minN, kind, errors);
            return errors.Count == before ? CellMap.For(m, kind) : null;
        }, (map, p) =>
        {
            if (map.Baseline is not null && minN != long.MaxValue && maxN > limits.MaxBaselineRows)
                Err(p, $"the {map.Label} baseline runs on the coordinator and accepts N ≤ {limits.MaxBaselineRows} (grid.sizes has {maxN})");
        });

        if (grid.Betas is null || grid.Betas.Length == 0) Err("grid.betas", "must list at least one β (empty grid)");
        else
        {
            var seenBetas = new HashSet<double>();
            for (var i = 0; i < grid.Betas.Length; i++)
            {
                var b = grid.Betas[i];
                if (RetrievalOptions.BetaProblem(b) is { } problem) Err($"grid.betas[{i}]", problem["beta: ".Length..]);
                else if (!seenBetas.Add(b)) Err($"grid.betas[{i}]", $"duplicates an earlier β ({F(b)})");
            }
        }

        ValidatePostBetas(grid, kind, errors);
        if (grid.Posts is null || grid.Posts.Length == 0) Err("grid.posts", "must list at least one post-transform (empty grid)");
        else
        {
            var seenPosts = new HashSet<Hfy.Kernels.Dynamics.PostTransform>();
            for (var i = 0; i < grid.Posts.Length; i++)
            {
                var post = Cell.ParsePost(grid.Posts[i]);
                if (post is null) Err($"grid.posts[{i}]", $"must be identity, l2, layernorm or tanh (got '{Clip(grid.Posts[i])}')");
                else if (!seenPosts.Add(post.Value)) Err($"grid.posts[{i}]", $"duplicates an earlier post-transform ({grid.Posts[i]})");
            }
        }

        if (grid.Noise is null || grid.Noise.Length == 0) Err("grid.noise", "must list at least one σ (use [0] for no noise; empty grid)");
        else
        {
            var seenNoise = new HashSet<double>();
            for (var i = 0; i < grid.Noise.Length; i++)
            {
                var s = grid.Noise[i];
                if (!double.IsFinite(s) || s < 0) Err($"grid.noise[{i}]", $"σ must be finite and ≥ 0 (got {F(s)})");
                else if (!seenNoise.Add(s)) Err($"grid.noise[{i}]", $"duplicates an earlier σ ({F(s)})");
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
        if (grid.Repeats is < 1) Err("grid.repeats", $"must be ≥ 1 (got {grid.Repeats})");

        var cells = GridExpansion.Count(spec);
        if (cells > limits.MaxCells) Err("grid", $"expands to {cells} cells, more than the limit of {limits.MaxCells}");
    }

    /// <summary>A map's own post list: known, distinct, not empty; not in the recall kinds (they run without post-transformation).</summary>
    private static void ValidatePosts(string[]? posts, string path, ExperimentKind? kind, List<SpecError> errors)
    {
        if (posts is null) return;
        if (kind?.IsRecall() == true)
        {
            errors.Add(new SpecError(path, $"{kind?.Name()} runs without post-transformation; remove it"));
            return;
        }
        if (posts.Length == 0) errors.Add(new SpecError(path, "must list at least one post-transform (or be left out: grid.posts)"));
        for (var i = 0; i < posts.Length; i++)
        {
            var post = Cell.ParsePost(posts[i]);
            if (post is null) errors.Add(new SpecError($"{path}[{i}]", $"must be identity, l2, layernorm or tanh (got '{posts[i]}')"));
            else if (posts.Take(i).Any(q => Cell.ParsePost(q) == post)) errors.Add(new SpecError($"{path}[{i}]", $"duplicates an earlier post-transform ({posts[i]})"));
        }
    }

    /// <summary><c>grid.postBetas</c>: known posts that some map runs with, each with a non-empty list of distinct finite β &gt; 0.</summary>
    private static void ValidatePostBetas(GridSpec grid, ExperimentKind? kind, List<SpecError> errors)
    {
        if (grid.PostBetas is null) return;
        if (kind?.IsRecall() == true)
        {
            errors.Add(new SpecError("grid.postBetas", $"{kind?.Name()} runs without post-transformation; list β in grid.betas"));
            return;
        }
        var used = (grid.Maps ?? []).SelectMany(m => m?.Posts ?? grid.Posts ?? []).Select(Cell.ParsePost).ToHashSet();
        var seen = new HashSet<Hfy.Kernels.Dynamics.PostTransform>();
        foreach (var (name, betas) in grid.PostBetas)
        {
            var path = $"grid.postBetas.{name}";
            var post = Cell.ParsePost(name);
            if (post is null)
            {
                errors.Add(new SpecError(path, $"must be named identity, l2, layernorm or tanh (got '{name}')"));
                continue;
            }
            if (!seen.Add(post.Value)) errors.Add(new SpecError(path, $"names the same post-transform as an earlier entry ({name})"));
            if (!used.Contains(post)) errors.Add(new SpecError(path, $"no map runs with {name} (grid.posts and the maps' posts)"));
            if (betas is null || betas.Length == 0)
            {
                errors.Add(new SpecError(path, "must list at least one β"));
                continue;
            }
            for (var i = 0; i < betas.Length; i++)
            {
                var b = betas[i];
                if (RetrievalOptions.BetaProblem(b) is { } problem) errors.Add(new SpecError($"{path}[{i}]", problem["beta: ".Length..]));
                else if (Array.IndexOf(betas, b) < i) errors.Add(new SpecError($"{path}[{i}]", $"duplicates an earlier β ({F(b)})"));
            }
        }
    }

    /// <summary>
    /// The map list check both kinds share: one error when the list is empty, else each entry validated
    /// (<paramref name="validate"/> returns its cell map, or null when it has errors), a valid entry whose label an
    /// earlier one has flagged as a duplicate, then <paramref name="afterValid"/> on each valid entry.
    /// </summary>
    internal static void ValidateMapList(MapEntry?[]? maps, string field, string emptyMessage, List<SpecError> errors,
        Func<MapEntry?, string, CellMap?> validate, Action<CellMap, string>? afterValid = null)
    {
        if (maps is null || maps.Length == 0)
        {
            errors.Add(new SpecError(field, emptyMessage));
            return;
        }
        var labels = new Dictionary<string, int>();
        for (var i = 0; i < maps.Length; i++)
        {
            var path = $"{field}[{i}]";
            if (validate(maps[i], path) is not { } map) continue;
            if (labels.TryGetValue(map.Label, out var j)) errors.Add(new SpecError(path, $"duplicates {field}[{j}] ({map.Label})"));
            else labels[map.Label] = i;
            afterValid?.Invoke(map, path);
        }
    }

    private static void ValidateMap(MapEntry m, string p, long? minN, ExperimentKind? kind, List<SpecError> errors)
    {
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        var name = m.Name?.Trim().ToLowerInvariant();
        if (name is null || !CellMap.Names.Contains(name))
        {
            Err($"{p}.name", $"unknown map '{Clip(m.Name)}' (known: {string.Join(", ", CellMap.Names)})");
            return;
        }
        void Unused(object? value, string field)
        {
            if (value is not null) Err($"{p}.{field}", $"is not a parameter of {name}");
        }
        // Every parameter a map entry can carry, in the order the errors list them, less those the map takes.
        void UnusedExcept(params string[] used)
        {
            foreach (var (value, field) in new (object? Value, string Field)[] { (m.Alpha, "alpha"), (m.Gamma, "gamma"), (m.K, "k"), (m.N, "n"), (m.BetaIn, "betaIn"), (m.W, "w") })
            {
                if (Array.IndexOf(used, field) < 0) Unused(value, field);
            }
        }
        switch (name)
        {
            case "entmax":
                if (m.Alpha is { } a && (!double.IsFinite(a) || a < 1)) Err($"{p}.alpha", $"α must be ≥ 1 and finite (got {F(a)})");
                break;
            case "normmax":
                if (m.Gamma is { } g && (!double.IsFinite(g) || g <= 1)) Err($"{p}.gamma", $"γ must be > 1 and finite (got {F(g)})");
                break;
            case "ksubsets" or "seq-ksubsets":
                if (m.K is { } k && name == "ksubsets" && !(k > 0 && double.IsFinite(k))) Err($"{p}.k", $"k must be a finite number > 0 (got {F(k)})");
                else if (m.K is { } ks && name == "seq-ksubsets" && !(ks >= 1 && ks == Math.Floor(ks) && ks <= int.MaxValue)) Err($"{p}.k", $"k must be a whole number ≥ 1 for seq-ksubsets (got {F(ks)})");
                else if ((m.K ?? 1) > minN) Err($"{p}.k", $"k must be ≤ the smallest N ({minN}) (got {m.K})");
                if (m.W is { } w && !double.IsFinite(w)) Err($"{p}.w", $"must be finite (got {F(w)})");
                if (name == "ksubsets") Unused(m.W, "w");
                break;
            case "dam-poly":
                if (m.N is { } n && n < 1) Err($"{p}.n", $"degree n must be ≥ 1 (got {n})");
                break;
            case "dam-exp":
                if (m.BetaIn is { } bi && (!double.IsFinite(bi) || bi <= 0)) Err($"{p}.betaIn", $"β_in must be finite and > 0 (got {F(bi)})");
                break;
        }

        UnusedExcept(name switch
        {
            "entmax" => ["alpha"],
            "normmax" => ["gamma"],
            "ksubsets" or "seq-ksubsets" => ["k", "w"],
            "dam-poly" => ["n"],
            "dam-exp" => ["betaIn"],
            _ => [],
        });
        if (name == "seq-ksubsets" && kind == ExperimentKind.Capacity)
            Err($"{p}.name", "seq-ksubsets returns k-subset marginals, not single patterns (sequential-recall runs it, as seq-2-subsets, for its transitions)");
    }

    private static void ValidateSuccess(SuccessSpec? success, List<SpecError> errors)
    {
        if (success is null) return;
        if (ExperimentNames.ParseCriterion(success.Criterion) is null) errors.Add(new SpecError("success.criterion", $"must be exact or cosine (got '{Clip(success.Criterion)}')"));
        if (!double.IsFinite(success.Threshold) || success.Threshold <= -1 || success.Threshold > 1)
            errors.Add(new SpecError("success.threshold", $"cosine threshold must be in (−1, 1] (got {F(success.Threshold)})"));
    }

    internal static void CheckFinite(double v, string path, List<SpecError> errors)
    {
        if (!double.IsFinite(v)) errors.Add(new SpecError(path, $"must be a finite number (got {F(v)})"));
    }

    internal static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>A user-supplied string as an error message quotes it: at most 64 characters.</summary>
    internal static string Clip(string? s)
    {
        if (s is null) return "";
        var one = s.ReplaceLineEndings(" ");
        return one.Length <= 64 ? one : one[..64] + "…";
    }

    private static string Bytes(long b) => b switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0.##} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b} B"),
    };

    /// <summary>A bank spec of the section's source and storage with N rows (for the admission check); null when the source is unknown.</summary>
    private static BankSpec? BankShape(BankSourceSpec? bank, long rows, int dim)
    {
        if (bank is null) return null;
        var source = bank.Source?.Trim().ToLowerInvariant() == "inline" ? BankSourceKind.Npy : BankAddress.ParseSource(bank.Source);
        if (source is null || BankAddress.ParseStorage(bank.Storage) is not { } storage) return null;
        return new BankSpec("spec", rows, dim, source.Value, Storage: storage);
    }
}
