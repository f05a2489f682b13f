using Hfy.Kernels.Storage;

namespace Hfy.Experiments;

/// <summary>The typed reading of an exponential spec (the hook <see cref="ExperimentPlan.Read"/> calls for this kind).</summary>
public static class ExponentialPlan
{
    /// <summary>
    /// The plan of an exponential spec: the bank is the generator named by <c>bank.source</c> with <c>bank.seed</c> and
    /// dimension 0 (each cell sets N); the criterion is "cosine" with threshold φ_keep (the final overlap must also beat every
    /// other overlap, which the cell runner checks).
    /// </summary>
    /// <exception cref="SpecValidationException">The section or the ensemble is missing or unknown.</exception>
    public static ExperimentPlan ReadPlan(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();
        var e = spec.Exponential;
        if (e is null) errors.Add(new SpecError("exponential", "is required for kind exponential"));
        var ensemble = Ensemble(spec.Bank);
        if (ensemble is null) errors.Add(new SpecError("bank.source", $"must be sphere, gaussian or binary for kind exponential (got '{spec.Bank?.Source}')"));
        if (errors.Count > 0) throw new SpecValidationException(errors);
        return new ExperimentPlan(spec, ExperimentKind.Exponential, new BankPlan.Generated(ensemble!.Value, spec.Bank!.Seed, 0).WithStorageOf(spec.Bank),
            SuccessCriterion.Cosine, e!.Keep, new BasinsSpec(), Hfy.Kernels.Classical.BaselineUpdate.Published);
    }

    /// <summary>The pattern ensemble of a bank section (default sphere when the section is absent), or null when it is not a generator.</summary>
    public static BankSourceKind? Ensemble(BankSourceSpec? bank)
    {
        if (bank is null) return BankSourceKind.Sphere;
        var kind = BankAddress.ParseSource(bank.Source ?? "sphere");
        return kind is { } k && BankAddress.IsGenerated(k) ? k : null;
    }
}
