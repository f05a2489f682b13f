namespace Hfy.Kernels.Storage;

/// <summary>
/// The row normalizations of <see cref="RowNormalization"/> on one vector: the ℓ2 and layer-norm post-transformations
/// ŷ_Ψ of docs/math.md §1, which are also applied to every stored row (and the initial query) in those modes.
/// </summary>
public static class RowNormalizations
{
    /// <summary>Layer-norm epsilon of the published code (torch LayerNorm default).</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>Floor of the ℓ2 norm (torch.nn.functional.normalize default), so a zero vector stays zero.</summary>
    public const double L2Eps = 1e-12;

    /// <summary>Applies z/‖z‖ or layer norm in place (nothing for <see cref="RowNormalization.None"/>).</summary>
    /// <remarks>
    /// Layer norm follows torch <c>LayerNorm(elementwise_affine=False)</c> exactly: (z − mean)/sqrt(var + eps) with
    /// the biased variance var = ‖z − mean‖²/D, i.e. √D (z − mean)/sqrt(‖z − mean‖² + D·eps).
    /// </remarks>
    public static void Apply(RowNormalization kind, Span<double> z)
    {
        switch (kind)
        {
            case RowNormalization.None:
                return;
            case RowNormalization.L2:
            {
                var ss = 0.0;
                foreach (var v in z) ss += v * v;
                var inv = 1.0 / Math.Max(Math.Sqrt(ss), L2Eps);
                for (var i = 0; i < z.Length; i++) z[i] *= inv;
                return;
            }
            case RowNormalization.LayerNorm:
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
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown row normalization");
        }
    }

    /// <summary>Normalizes one stored row in place (computed in float64, stored as float32).</summary>
    public static void NormalizeRow(RowNormalization kind, Span<float> row)
    {
        if (kind == RowNormalization.None) return;
        Span<double> z = row.Length <= 1024 ? stackalloc double[row.Length] : new double[row.Length];
        for (var i = 0; i < row.Length; i++) z[i] = row[i];
        Apply(kind, z);
        for (var i = 0; i < row.Length; i++) row[i] = (float)z[i];
    }
}
