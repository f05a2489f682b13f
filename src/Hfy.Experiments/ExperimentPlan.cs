using Hfy.Kernels.Classical;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments;

/// <summary>The experiment kinds (docs/experiments.md).</summary>
public enum ExperimentKind
{
    /// <summary>Stored patterns (plus noise) as queries: does the dynamics return them?</summary>
    Capacity,
    /// <summary>Held-out patterns as queries: where does the dynamics settle (single pattern or metastable mixture)?</summary>
    Metastable,
    /// <summary>A 2-D grid of starts over inline 2-D patterns: which pattern each start converges to.</summary>
    Basins,
    /// <summary>Free recall (constrained sparsemax, penalized entmax) on the single-node recall kernels.</summary>
    FreeRecall,
    /// <summary>Sequential recall (seq-2-subsets transitions) on the single-node recall kernels.</summary>
    SequentialRecall,
    /// <summary>Exponential capacity: P = e^{αN} patterns in dimension N against the Lucibello–Mézard thresholds (Exponential/).</summary>
    Exponential,
    /// <summary>Multiple-instance learning with Hopfield pooling (Hfy.Learning; docs/learning.md).</summary>
    Mil,
    /// <summary>Rationales: k-subsets against sequential k-subsets pooling on planted spans (Hfy.Learning; docs/learning.md).</summary>
    Rationale,
}

/// <summary>What counts as a successful retrieval of a stored pattern.</summary>
public enum SuccessCriterion
{
    /// <summary>q_T equals the pattern and the weights are one-hot on it.</summary>
    Exact,
    /// <summary>cos(q_T, x) above the spec's threshold.</summary>
    Cosine,
}

/// <summary>The names of <see cref="ExperimentKind"/> and <see cref="SuccessCriterion"/> as specs write them: the one place they are parsed.</summary>
public static class ExperimentNames
{
    private static readonly (string Name, ExperimentKind Kind)[] Kinds =
    [
        ("capacity", ExperimentKind.Capacity), ("metastable", ExperimentKind.Metastable), ("basins", ExperimentKind.Basins),
        ("free-recall", ExperimentKind.FreeRecall), ("sequential-recall", ExperimentKind.SequentialRecall),
        ("exponential", ExperimentKind.Exponential), ("mil", ExperimentKind.Mil), ("rationale", ExperimentKind.Rationale),
    ];

    /// <summary>Every kind name, in documentation order.</summary>
    public static IReadOnlyList<string> KindNames { get; } = Kinds.Select(k => k.Name).ToArray();

    /// <summary>The kind a name denotes (case and surrounding space ignored), or null.</summary>
    public static ExperimentKind? ParseKind(string? name)
    {
        var n = name?.Trim().ToLowerInvariant();
        foreach (var (s, k) in Kinds)
        {
            if (s == n) return k;
        }
        return null;
    }

    /// <summary>The spec name of a kind.</summary>
    public static string Name(this ExperimentKind kind) => Kinds.First(k => k.Kind == kind).Name;

    /// <summary>Whether the kind runs a recall protocol on the single-node kernels.</summary>
    public static bool IsRecall(this ExperimentKind kind) => kind is ExperimentKind.FreeRecall or ExperimentKind.SequentialRecall;

    /// <summary>The criterion a name denotes (exact, cosine), or null.</summary>
    public static SuccessCriterion? ParseCriterion(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "exact" => SuccessCriterion.Exact,
        "cosine" => SuccessCriterion.Cosine,
        _ => null,
    };
}

/// <summary>Where an experiment's patterns come from: a closed set of cases.</summary>
public abstract record BankPlan
{
    private BankPlan()
    {
    }

    /// <summary>How nodes hold the rows.</summary>
    public BankStorage Storage { get; init; }

    /// <summary>Generated rows: which generator.</summary>
    public ProceduralGenerator Generator { get; init; } = ProceduralGenerator.Legacy;

    /// <summary>This plan with the storage kind and generator a validated bank section names (absent: auto, legacy).</summary>
    public BankPlan WithStorageOf(BankSourceSpec? bank) => this with
    {
        Storage = BankAddress.ParseStorage(bank?.Storage) ?? BankStorage.Auto,
        Generator = BankAddress.ParseGenerator(bank?.Generator) ?? ProceduralGenerator.Legacy,
    };

    /// <summary>Generated rows: row i depends only on (seed + repeat, i).</summary>
    /// <param name="Ensemble">Sphere, Gaussian or Binary.</param>
    /// <param name="Seed">Generator seed of repeat 0.</param>
    /// <param name="Dim">Pattern dimension D.</param>
    public sealed record Generated(BankSourceKind Ensemble, ulong Seed, int Dim) : BankPlan;

    /// <summary>Rows of a file.</summary>
    /// <param name="Format">Npy, Idx or Csv.</param>
    /// <param name="Path">The file.</param>
    public sealed record File(BankSourceKind Format, string Path) : BankPlan;

    /// <summary>Patterns written in the spec.</summary>
    /// <param name="Patterns">Rows, all of one length.</param>
    public sealed record Inline(double[][] Patterns) : BankPlan;
}

/// <summary>
/// A validated experiment: the spec as submitted (stored, and shown back) plus its typed reading. Everything that runs an
/// experiment takes the plan, so names are parsed once, here, and nothing downstream switches on strings.
/// </summary>
/// <param name="Spec">The spec as submitted.</param>
/// <param name="Kind">The experiment kind.</param>
/// <param name="Bank">The patterns' source.</param>
/// <param name="Criterion">The success criterion.</param>
/// <param name="CosineThreshold">The cosine threshold (also reported next to exact success).</param>
/// <param name="Basins">The start grid (basins only; defaults otherwise).</param>
/// <param name="BaselineUpdate">How the classical and DAM baselines update (published or tanh-after-post).</param>
public sealed record ExperimentPlan(ExperimentSpec Spec, ExperimentKind Kind, BankPlan Bank, SuccessCriterion Criterion,
    double CosineThreshold, BasinsSpec Basins, BaselineUpdate BaselineUpdate)
{
    /// <summary>The swept parameters (a validated spec always has a grid).</summary>
    public GridSpec Grid => Spec.Grid!;

    /// <summary>
    /// The typed reading of a spec that <see cref="SpecValidator.Validate"/> accepted.
    /// </summary>
    /// <exception cref="SpecValidationException">The spec was not valid (every problem listed).</exception>
    public static ExperimentPlan Of(ExperimentSpec spec, SpecLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = SpecValidator.Validate(spec, limits);
        if (errors.Count > 0) throw new SpecValidationException(errors);
        return Read(spec);
    }

    /// <summary>
    /// The typed reading of a spec accepted earlier (a stored experiment): names are parsed, limits are not checked again.
    /// </summary>
    /// <exception cref="SpecValidationException">A name is unknown (the spec never passed validation).</exception>
    public static ExperimentPlan Read(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();
        var kind = ExperimentNames.ParseKind(spec.Kind);
        if (kind is null) errors.Add(new SpecError("kind", $"must be one of {string.Join(", ", ExperimentNames.KindNames)} (got '{SpecValidator.Clip(spec.Kind)}')"));
        if (kind == ExperimentKind.Exponential) return ExponentialPlan.ReadPlan(spec);
        if (kind is { } k && LearningKinds.IsLearning(k)) return LearningKinds.ReadPlan(spec, k);
        var bank = ReadBank(spec.Bank, errors);
        var success = spec.Success ?? new SuccessSpec();
        var criterion = ExperimentNames.ParseCriterion(success.Criterion);
        if (criterion is null) errors.Add(new SpecError("success.criterion", $"must be exact or cosine (got '{SpecValidator.Clip(success.Criterion)}')"));
        if (spec.Grid is null) errors.Add(new SpecError("grid", "is required"));
        var update = spec.BaselineUpdate is null ? BaselineUpdate.Published : BaselineDynamics.ParseUpdate(spec.BaselineUpdate);
        if (update is null) errors.Add(new SpecError("baselineUpdate", $"must be published or tanh-after-post (got '{SpecValidator.Clip(spec.BaselineUpdate)}')"));
        if (errors.Count > 0) throw new SpecValidationException(errors);
        return new ExperimentPlan(spec, kind!.Value, bank!, criterion!.Value, success.Threshold, spec.Basins ?? new BasinsSpec(), update!.Value);
    }

    private static BankPlan? ReadBank(BankSourceSpec? bank, List<SpecError> errors)
    {
        var plan = ReadSource(bank, errors);
        if (plan is null || bank is null) return plan;
        return plan.WithStorageOf(bank);
    }

    private static BankPlan? ReadSource(BankSourceSpec? bank, List<SpecError> errors)
    {
        if (bank is null)
        {
            errors.Add(new SpecError("bank", "is required"));
            return null;
        }
        if (bank.Source?.Trim().ToLowerInvariant() == "inline")
        {
            if (bank.Patterns is { Length: > 0 } rows) return new BankPlan.Inline(rows);
            errors.Add(new SpecError("bank.patterns", "inline source needs at least one pattern"));
            return null;
        }
        if (BankAddress.ParseSource(bank.Source) is not { } kind)
        {
            errors.Add(new SpecError("bank.source", $"must be one of {string.Join(", ", PlanSourceNames)} (got '{SpecValidator.Clip(bank.Source)}')"));
            return null;
        }
        if (BankAddress.IsGenerated(kind))
        {
            if (bank.Dim is { } d) return new BankPlan.Generated(kind, bank.Seed, d);
            errors.Add(new SpecError("bank.dim", $"is required for the {BankAddress.Name(kind)} generator"));
            return null;
        }
        if (!string.IsNullOrWhiteSpace(bank.Path)) return new BankPlan.File(kind, bank.Path);
        errors.Add(new SpecError("bank.path", $"is required for the {BankAddress.Name(kind)} source"));
        return null;
    }

    /// <summary>Every bank source name a spec may use.</summary>
    public static IReadOnlyList<string> PlanSourceNames { get; } = [.. BankAddress.SourceNames, "inline"];
}
