using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Dynamics;

/// <summary>The post-transformations ŷ_Ψ of docs/math.md §1 and the matching row normalizations.</summary>
public static class PostTransforms
{
    /// <summary>Layer-norm epsilon of the published code (torch LayerNorm default).</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>Floor of the ℓ2 norm (torch.nn.functional.normalize default), so a zero vector stays zero.</summary>
    public const double L2Eps = 1e-12;

    /// <summary>Applies ŷ_Ψ in place: identity, z/‖z‖, layer norm, or tanh(β z).</summary>
    /// <remarks>
    /// Layer norm follows torch <c>LayerNorm(elementwise_affine=False)</c> exactly: (z − mean)/sqrt(var + eps) with
    /// the biased variance var = ‖z − mean‖²/D, i.e. √D (z − mean)/sqrt(‖z − mean‖² + D·eps).
    /// </remarks>
    public static void Apply(PostTransform kind, Span<double> z, double beta)
    {
        switch (kind)
        {
            case PostTransform.Identity:
                return;
            case PostTransform.L2:
            {
                var ss = 0.0;
                foreach (var v in z) ss += v * v;
                var inv = 1.0 / Math.Max(Math.Sqrt(ss), L2Eps);
                for (var i = 0; i < z.Length; i++) z[i] *= inv;
                return;
            }
            case PostTransform.LayerNorm:
            {
                var mean = 0.0;
                foreach (var v in z) mean += v;
                mean /= z.Length;
                var ss = 0.0;
                foreach (var v in z) ss += (v - mean) * (v - mean);
                var inv = 1.0 / Math.Sqrt(ss / z.Length + LayerNormEps);
                for (var i = 0; i < z.Length; i++) z[i] = (z[i] - mean) * inv;
                return;
            }
            case PostTransform.Tanh:
                for (var i = 0; i < z.Length; i++) z[i] = Math.Tanh(beta * z[i]);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown post-transform");
        }
    }

    /// <summary>Normalizes one stored row in place (computed in float64, stored as float32).</summary>
    public static void NormalizeRow(RowNormalization kind, Span<float> row)
    {
        if (kind == RowNormalization.None) return;
        Span<double> z = row.Length <= 1024 ? stackalloc double[row.Length] : new double[row.Length];
        for (var i = 0; i < row.Length; i++) z[i] = row[i];
        Apply(kind == RowNormalization.L2 ? PostTransform.L2 : PostTransform.LayerNorm, z, 1.0);
        for (var i = 0; i < row.Length; i++) row[i] = (float)z[i];
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
        var rn = RowNormalizationFor(kind);
        if (rn != RowNormalization.None) Apply(rn == RowNormalization.L2 ? PostTransform.L2 : PostTransform.LayerNorm, q0, 1.0);
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
            i => NormalizeRow(rn, data.AsSpan(i * dim, dim)));
        return new Bank(data, bank.Rows, dim);
    }
}
