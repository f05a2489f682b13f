using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Dynamics;

/// <summary>The post-transformations ŷ_Ψ of docs/math.md §1 and the matching row normalizations.</summary>
public static class PostTransforms
{
    /// <summary>Applies ŷ_Ψ in place: identity, z/‖z‖, layer norm (<see cref="RowNormalizations.Apply"/>), or tanh(β z).</summary>
    public static void Apply(PostTransform kind, Span<double> z, double beta)
    {
        switch (kind)
        {
            case PostTransform.Identity:
                return;
            case PostTransform.L2:
                RowNormalizations.Apply(RowNormalization.L2, z);
                return;
            case PostTransform.LayerNorm:
                RowNormalizations.Apply(RowNormalization.LayerNorm, z);
                return;
            case PostTransform.Tanh:
                for (var i = 0; i < z.Length; i++) z[i] = Math.Tanh(beta * z[i]);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown post-transform");
        }
    }

    /// <summary>The row (and initial query) normalization the published code applies in each mode.</summary>
    public static RowNormalization RowNormalizationFor(PostTransform kind) => kind switch
    {
        PostTransform.L2 => RowNormalization.L2,
        PostTransform.LayerNorm => RowNormalization.LayerNorm,
        _ => RowNormalization.None,
    };

    /// <summary>Normalizes an initial query in place per <see cref="RowNormalizationFor"/>.</summary>
    public static void NormalizeQuery(PostTransform kind, Span<double> q0)
    {
        RowNormalizations.Apply(RowNormalizationFor(kind), q0);
    }

    /// <summary>A copy of <paramref name="bank"/> with every row normalized for <paramref name="kind"/> (the bank itself when none applies).</summary>
    public static Bank NormalizedCopy(Bank bank, PostTransform kind)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var rn = RowNormalizationFor(kind);
        if (rn == RowNormalization.None) return bank;
        var data = (float[])bank.Data.Clone();
        var dim = bank.Dim;
        Parallel.For(0, bank.Rows, new ParallelOptions { MaxDegreeOfParallelism = bank.Rows > 4096 ? -1 : 1 },
            i => RowNormalizations.NormalizeRow(rn, data.AsSpan(i * dim, dim)));
        return new Bank(data, bank.Rows, dim);
    }
}
