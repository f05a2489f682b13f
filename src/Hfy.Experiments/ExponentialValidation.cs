using Hfy.Kernels.Storage;
using System.Globalization;

namespace Hfy.Experiments;

/// <summary>Validation of an exponential spec: every problem with its field path (called by <see cref="SpecValidator.Validate"/>).</summary>
public static class ExponentialValidation
{
    /// <summary>Map names the exponential experiment runs (softmax = LSE; the sparse maps with their margins).</summary>
    public static IReadOnlyList<string> MapNames { get; } = ["softmax", "sparsemax", "entmax", "normmax"];

    /// <summary>Largest dimension N accepted.</summary>
    public const int MaxDim = 4096;

    /// <summary>Largest number of banks per cell.</summary>
    public const int MaxBanks = 1000;

    /// <summary>Adds the problems of the exponential parts of <paramref name="spec"/> to <paramref name="errors"/>.</summary>
    public static void Validate(ExperimentSpec spec, ExperimentKind? kind, SpecLimits limits, List<SpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        if (kind is not null && kind != ExperimentKind.Exponential)
        {
            Err("exponential", $"only kind exponential takes an exponential section (kind is '{spec.Kind}')");
            return;
        }
        var e = spec.Exponential;
        if (e is null)
        {
            Err("exponential", "is required for kind exponential (alphas, betaNets, dims or patterns, maps)");
            return;
        }
        if (spec.Grid is not null) Err("grid", "is not used by kind exponential (the sweep is exponential.alphas, betaNets, dims or patterns, maps, starts)");
        if (spec.Basins is not null) Err("basins", "is not used by kind exponential");
        if (spec.Recall is not null) Err("recall", "is not used by kind exponential");
        if (spec.Bank is { } bank)
        {
            if (ExponentialPlan.Ensemble(bank) is null) Err("bank.source", $"must be sphere, gaussian or binary for kind exponential (got '{bank.Source}')");
            if (bank.Dim is not null) Err("bank.dim", "is set per cell by exponential.dims or the N-ramp (exponential.patterns); remove it");
            if (bank.Path is not null) Err("bank.path", "is not used by kind exponential (patterns are generated)");
            if (bank.Patterns is not null) Err("bank.patterns", "is not used by kind exponential (patterns are generated)");
        }

        PositiveDistinct(e.Alphas, "exponential.alphas", "α", errors);
        PositiveDistinct(e.BetaNets, "exponential.betaNets", "β_net", errors);
        if (e.Dims is null == e.Patterns is null)
            Err("exponential", "give exactly one of dims (fixed N, P = round(e^{αN})) or patterns (N-ramp at fixed P, N = round(ln P / α))");
        if (e.Dims is { } dims)
        {
            if (dims.Length == 0) Err("exponential.dims", "must list at least one dimension N");
            for (var i = 0; i < dims.Length; i++)
            {
                if (dims[i] is < 2 or > MaxDim) Err($"exponential.dims[{i}]", $"N must be in [2, {MaxDim}] (got {dims[i]})");
                else if (Array.IndexOf(dims, dims[i]) < i) Err($"exponential.dims[{i}]", $"duplicates an earlier N ({dims[i]})");
            }
        }
        // The rows are generated and ℓ2-normalized (normalized: true), so mapped and bits storage are refused.
        var bankStorage = BankSectionValidation.StorageAndGenerator(spec.Bank, ExponentialPlan.Ensemble(spec.Bank), normalized: true, errors);
        var rowLimit = limits.RowLimit(bankStorage == BankStorage.Procedural);
        if (e.Patterns is { } p && (p < 2 || p > rowLimit))
            Err("exponential.patterns", $"P must be in [2, {rowLimit}] (got {p})");
        if (e.MaxPatterns < 2 || e.MaxPatterns > rowLimit)
            Err("exponential.maxPatterns", $"must be in [2, {rowLimit}] (got {e.MaxPatterns}){(bankStorage == BankStorage.Procedural ? "" : "; storage procedural streams larger banks")}");
        if (e.Patterns is { } pp && pp > e.MaxPatterns)
            Err("exponential.patterns", $"P = {pp} is above exponential.maxPatterns ({e.MaxPatterns})");

        SpecValidator.ValidateMapList(e.Maps, "exponential.maps", "must list at least one map (softmax, sparsemax, entmax, normmax)", errors, (m, path) =>
        {
            var before = errors.Count;
            ValidateMap(m, path, errors);
            return errors.Count == before ? CellMap.From(m!) : null;
        });

        if (e.Starts is null || e.Starts.Length == 0) Err("exponential.starts", "must list at least one start overlap φ₀ (1 = the stored pattern)");
        else
        {
            for (var i = 0; i < e.Starts.Length; i++)
            {
                var s = e.Starts[i];
                if (!double.IsFinite(s) || s <= 0 || s > 1) Err($"exponential.starts[{i}]", $"φ₀ must be in (0, 1] (got {F(s)})");
                else if (Array.IndexOf(e.Starts, s) < i) Err($"exponential.starts[{i}]", $"duplicates an earlier φ₀ ({F(s)})");
            }
        }
        if (e.Steps < 0 || e.Steps > limits.MaxSteps) Err("exponential.steps", $"T must be in [0, {limits.MaxSteps}] (got {e.Steps})");
        if (e.Banks < 1 || e.Banks > MaxBanks) Err("exponential.banks", $"must be in [1, {MaxBanks}] (got {e.Banks})");
        if (!(e.SoftmaxTolerance is >= 0 and < 1)) Err("exponential.softmaxTolerance", $"must be in [0, 1) (got {F(e.SoftmaxTolerance)})");
        if (!double.IsFinite(e.Keep) || e.Keep <= 0 || e.Keep > 1) Err("exponential.keep", $"φ_keep must be in (0, 1] (got {F(e.Keep)})");

        if (errors.Count > 0) return;
        var points = ExponentialGrid.Points(e);
        if (points.Count == 0)
        {
            Err("exponential.alphas", $"every (N, α) point has P = round(e^{{αN}}) < 2 or above exponential.maxPatterns ({e.MaxPatterns}): no cell to run");
            return;
        }
        var storage = BankAddress.ParseStorage(spec.Bank?.Storage) ?? BankStorage.Auto;
        var source = ExponentialPlan.Ensemble(spec.Bank) ?? BankSourceKind.Sphere;
        foreach (var (dim, patterns, alpha) in points)
        {
            var shape = new BankSpec("exponential", patterns, dim, source, Normalization: RowNormalization.L2, Storage: storage);
            if (MemoryAdmission.Refusal(shape, patterns, limits.MemoryBudgetBytes, string.Create(CultureInfo.InvariantCulture, $"the point N = {dim}, α = {alpha}: bank")) is { } refusal)
            {
                Err("exponential.maxPatterns", refusal);
                break;
            }
        }
        var cells = ExponentialGrid.Count(spec);
        if (cells > limits.MaxCells) Err("exponential", $"expands to {cells} cells, more than the limit of {limits.MaxCells}");
    }

    private static void ValidateMap(MapEntry? m, string path, List<SpecError> errors)
    {
        void Err(string p, string message) => errors.Add(new SpecError(p, message));
        if (m is null)
        {
            Err(path, "is null");
            return;
        }
        var name = m.Name?.Trim().ToLowerInvariant();
        if (name is null || !MapNames.Contains(name))
        {
            Err($"{path}.name", $"must be one of {string.Join(", ", MapNames)} for kind exponential (got '{m.Name}')");
            return;
        }
        if (name == "entmax" && (m.Alpha is not { } a || !double.IsFinite(a) || a <= 1))
            Err($"{path}.alpha", $"entmax needs α > 1 (finite; α = 1 is softmax) (got {(m.Alpha is { } x ? F(x) : "none")})");
        if (name == "normmax" && m.Gamma is { } g && (!double.IsFinite(g) || g <= 1)) Err($"{path}.gamma", $"γ must be > 1 and finite (got {F(g)})");
        if (name != "entmax" && m.Alpha is not null) Err($"{path}.alpha", $"is not a parameter of {name}");
        if (name != "normmax" && m.Gamma is not null) Err($"{path}.gamma", $"is not a parameter of {name}");
        if (m.K is not null) Err($"{path}.k", $"is not a parameter of {name}");
        if (m.N is not null) Err($"{path}.n", $"is not a parameter of {name}");
        if (m.BetaIn is not null) Err($"{path}.betaIn", $"is not a parameter of {name}");
        if (m.W is not null) Err($"{path}.w", $"is not a parameter of {name}");
        if (m.Normalize is not null) Err($"{path}.normalize", $"is not a parameter of {name}");
    }

    private static void PositiveDistinct(double[]? values, string path, string symbol, List<SpecError> errors)
    {
        if (values is null || values.Length == 0)
        {
            errors.Add(new SpecError(path, $"must list at least one {symbol}"));
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v) || v <= 0) errors.Add(new SpecError($"{path}[{i}]", $"{symbol} must be finite and > 0 (got {F(v)})"));
            else if (Array.IndexOf(values, v) < i) errors.Add(new SpecError($"{path}[{i}]", $"duplicates an earlier {symbol} ({F(v)})"));
        }
    }

    private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
