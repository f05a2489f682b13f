using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// Sort-free exact threshold for large candidate sets when the mass M(τ) = Σ [z_i − τ]_+^e is convex
/// (e ≥ 1: sparsemax, α-entmax with α ≤ 2, every γ-normmax). Newton from the left end τ = −1 (where the
/// top entry alone gives mass ≥ 1) never overshoots τ* on a convex decreasing M, and every entry at or
/// below the current τ stays out of the support for good, so each step compacts the candidates.
/// The closed form on the live set (e = 1, 2) jumps to τ* once the support is identified; Newton on
/// M^{1/e} (see <see cref="PowerModel.NewtonStep"/>) does it otherwise. The last pass is always taken close to τ*, where the sums are exact.
/// </summary>
internal static class ConvexNewton
{
    private const int MaxSteps = 200;

    /// <summary>τ with Σ [z_i − τ]_+^e = 1 for z shifted so max z = 0, all z &gt; −1; reorders <paramref name="z"/>.</summary>
    public static double Solve(Span<double> z, double e)
    {
        Debug.Assert(e >= 1.0 && z.Length >= 1);
        var tau = -1.0;
        var n = z.Length;
        for (var step = 0; step < MaxSteps; step++)
        {
            // One pass: mass, slope, sums of d = z − τ over the live entries, compacting the dead ones.
            double mass = 0, slope = 0, sum = 0, sumSq = 0, minD = double.PositiveInfinity;
            var live = 0;
            for (var i = 0; i < n; i++)
            {
                var d = z[i] - tau;
                if (!(d > 0))
                {
                    continue;
                }

                z[live++] = z[i];
                double pw;
                if (e == 1.0)
                {
                    pw = d;
                    slope += 1.0;
                }
                else if (e == 2.0)
                {
                    pw = d * d;
                    slope += 2.0 * d;
                }
                else
                {
                    pw = Math.Pow(d, e);
                    slope += e * pw / d;
                }

                mass += pw;
                sum += d;
                sumSq += d * d;
                if (d < minD)
                {
                    minD = d;
                }
            }

            n = live;
            if (mass <= 1.0)
            {
                // At τ* to rounding (Newton from the left never passes it): a last step on the fixed support.
                return tau + PowerModel.Step(e, mass, slope);
            }

            // Jump with the closed form on the live set when it keeps every live entry (then it is τ*), but
            // still take one more pass from there: sums of d = z − τ near τ* are small and exact, while far
            // from τ* they nearly cancel (also why the quadratic waits until it is close).
            var conditioned = e == 1.0 || live <= 1000 || mass - 1.0 <= 1e-6;
            var closed = conditioned ? ClosedStep(e, live, sum, sumSq) : double.NaN;
            var delta = closed >= 0 && closed < minD ? closed : PowerModel.Step(e, mass, slope);
            if (delta <= 4e-16 * Math.Max(1.0, Math.Abs(tau)))
            {
                return tau + delta;
            }

            tau += delta;
        }

        return tau;
    }

    /// <summary>δ with Σ (d_i − δ)^e = 1 over the live set, for e = 1 and 2 (NaN otherwise).</summary>
    private static double ClosedStep(double e, int count, double sum, double sumSq)
    {
        if (e == 1.0)
        {
            return (sum - 1.0) / count;
        }

        if (e == 2.0)
        {
            // Centered form: Σ (d − d̄)² + c (d̄ − δ)² = 1.
            var mean = sum / count;
            var spread = sumSq - (sum * mean);
            return mean - Math.Sqrt(Math.Max(1.0 - spread, 0.0) / count);
        }

        return double.NaN;
    }
}
