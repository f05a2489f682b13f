using Hfy.Kernels.Storage;

namespace Hfy.Experiments;

/// <summary>
/// The checks of a spec's <c>bank</c> section that every kind shares: <c>bank.storage</c> (a known name, and one the
/// source can be stored as) and <c>bank.generator</c> (a known name, for generated sources only). The grid kinds
/// (<see cref="SpecValidator"/>) and the exponential kind (<see cref="ExponentialValidation"/>) both call it.
/// </summary>
public static class BankSectionValidation
{
    /// <summary>Adds the problems of <c>bank.storage</c> and <c>bank.generator</c> to <paramref name="errors"/>.</summary>
    /// <param name="bank">The section (null: the defaults, which are valid).</param>
    /// <param name="source">The parsed source; null when it is not a stored or generated kind (inline, or unknown).</param>
    /// <param name="normalized">Whether the rows are normalized when materialized (refuses storage that keeps the raw bits).</param>
    /// <param name="errors">Where the problems go.</param>
    /// <returns>The parsed storage, or null when the name is unknown.</returns>
    public static BankStorage? StorageAndGenerator(BankSourceSpec? bank, BankSourceKind? source, bool normalized, List<SpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var storage = BankAddress.ParseStorage(bank?.Storage);
        if (storage is null)
            errors.Add(new SpecError("bank.storage", $"must be one of {string.Join(", ", BankAddress.StorageNames)} (got '{SpecValidator.Clip(bank?.Storage)}')"));
        else if (BankAddress.StorageProblem(storage.Value, source ?? BankSourceKind.Npy, normalized) is { } problem)
            errors.Add(new SpecError("bank.storage", problem));
        if (BankAddress.ParseGenerator(bank?.Generator) is null)
            errors.Add(new SpecError("bank.generator", $"must be legacy or vector (got '{SpecValidator.Clip(bank?.Generator)}')"));
        else if (bank?.Generator is not null && (source is null || !BankAddress.IsGenerated(source.Value)))
            errors.Add(new SpecError("bank.generator", $"is used by the generated sources only (sphere, gaussian, binary), not {bank.Source?.Trim().ToLowerInvariant()}"));
        return storage;
    }
}
