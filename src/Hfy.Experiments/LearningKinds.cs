using Hfy.Learning.Experiments;

namespace Hfy.Experiments;

/// <summary>
/// The learning kinds (<c>mil</c>, <c>rationale</c>) as experiments: plan, validation and cell count. The models, data and
/// protocols live in Hfy.Learning (docs/learning.md); Learning/LearningRunner.cs runs and stores their cells like every other kind's.
/// </summary>
/// <remarks>
/// Cells run where the engine runs them: an engine that implements <see cref="Learning.ILearningCellEngine"/> (the cluster's)
/// sends each cell to a bank node; any other engine's run in this process (<see cref="Learning.LocalLearningCells"/>).
/// </remarks>
public static class LearningKinds
{
    /// <summary>Whether a kind is a learning kind.</summary>
    public static bool IsLearning(this ExperimentKind kind) => kind is ExperimentKind.Mil or ExperimentKind.Rationale;

    /// <summary>The plan of a learning spec (no bank: each kind reads its own data).</summary>
    public static ExperimentPlan ReadPlan(ExperimentSpec spec, ExperimentKind kind)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (kind == ExperimentKind.Mil && spec.Mil is null) throw new SpecValidationException([new SpecError("mil", "is required for kind mil")]);
        if (kind == ExperimentKind.Rationale && spec.Rationale is null) throw new SpecValidationException([new SpecError("rationale", "is required for kind rationale")]);
        return new ExperimentPlan(spec, kind, new BankPlan.Inline([]), SuccessCriterion.Exact, 0, new BasinsSpec(),
            Hfy.Kernels.Classical.BaselineUpdate.Published);
    }

    /// <summary>Adds the problems of a learning spec to <paramref name="errors"/>.</summary>
    public static void Validate(ExperimentSpec spec, ExperimentKind? kind, List<SpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(errors);
        if (spec.Grid is not null) errors.Add(new SpecError("grid", $"is not used by kind {spec.Kind} (its grid is the mil or rationale section)"));
        if (spec.Bank is not null) errors.Add(new SpecError("bank", $"is not used by kind {spec.Kind} (the data are named in the mil or rationale section)"));
        if (kind == ExperimentKind.Mil)
        {
            if (spec.Rationale is not null) errors.Add(new SpecError("rationale", "only kind rationale takes a rationale section"));
            if (spec.Mil is null) errors.Add(new SpecError("mil", "is required for kind mil (datasets, maps, grid)"));
            else foreach (var (path, message) in spec.Mil.Validate()) errors.Add(new SpecError(path, message));
        }
        else if (kind == ExperimentKind.Rationale)
        {
            if (spec.Mil is not null) errors.Add(new SpecError("mil", "only kind mil takes a mil section"));
            if (spec.Rationale is null) errors.Add(new SpecError("rationale", "is required for kind rationale (maps, task, model)"));
            else foreach (var (path, message) in spec.Rationale.Validate()) errors.Add(new SpecError(path, message));
        }
        else
        {
            errors.Add(new SpecError(spec.Mil is not null ? "mil" : "rationale", $"only kinds mil and rationale take these sections (kind is '{spec.Kind}')"));
        }
    }

    /// <summary>Number of cells of a learning spec.</summary>
    public static long Count(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Mil is { } mil ? MilExperiment.Count(mil) : spec.Rationale?.Count ?? 0;
    }
}
