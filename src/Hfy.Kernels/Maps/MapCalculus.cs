namespace Hfy.Kernels.Maps;

/// <summary>Backward passes shared by several maps.</summary>
internal static class MapCalculus
{
    public static void CheckBackwardShapes(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        ScoreVectors.CheckSameLength(theta, dp.Length, nameof(dp));
        ScoreVectors.CheckSameLength(theta, dtheta.Length, nameof(dtheta));
    }

    /// <summary>
    /// Entmax-family VJP (docs/math.md §2): g = p^{power} on the support (p &gt; 0), 0 elsewhere;
    /// dθ = g⊙dp − g (Σ g⊙dp)/Σ g. power = 2 − α (0 for sparsemax).
    /// </summary>
    public static void GatedBackward(ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta, double power)
    {
        if (p.Length != dp.Length || p.Length != dtheta.Length)
        {
            throw new ArgumentException("dtheta: p, dp and dtheta must have the same length.", nameof(dtheta));
        }

        double gdp = 0, sumG = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var g = Gate(p[i], power);
            dtheta[i] = g;
            gdp += g * dp[i];
            sumG += g;
        }

        var mean = sumG > 0 ? gdp / sumG : 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            dtheta[i] *= dp[i] - mean;
        }
    }

    private static double Gate(double p, double power) =>
        p > 0 ? (power == 0.0 ? 1.0 : Math.Pow(p, power)) : 0.0;
}
