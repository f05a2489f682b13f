using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// Exact threshold solvers on a sorted candidate set (docs/math.md §2): find τ with
/// Σ_i [z_i − τ]_+^e = 1 for z sorted descending, z_0 = 0 the max, every z_i &gt; −1 (the support bound).
/// e = 1 is sparsemax, e = 2 is 1.5-entmax and 2-normmax (closed forms); other e use the breakpoint
/// search plus safeguarded Newton on the identified support.
/// </summary>
internal static class SortedThresholds
{
    /// <summary>τ for Σ [z_i − τ]_+^e = 1 on <paramref name="z"/> (sorted descending, shifted so z_0 = 0).</summary>
    public static double Solve(ReadOnlySpan<double> z, double e)
    {
        Debug.Assert(z.Length >= 1);
        if (z.Length == 1)
        {
            return z[0] - 1.0;
        }

        var tau = e switch
        {
            1.0 => Sparsemax(z),
            2.0 => Quadratic(z),
            _ => General(z, e),
        };
        return Polish(z, e, tau);
    }

    /// <summary>
    /// One Newton step on the identified support, from τ itself: the prefix sums of the closed forms carry
    /// rounding of order ε·Σ|z| (large for dense supports); the sums of d = z − τ near τ* do not.
    /// </summary>
    internal static double Polish(ReadOnlySpan<double> z, double e, double tau)
    {
        double mass = 0, slope = 0;
        foreach (var v in z)
        {
            var d = v - tau;
            if (d > 0)
            {
                var pw = e == 1.0 ? d : e == 2.0 ? d * d : Math.Pow(d, e);
                mass += pw;
                slope += e * pw / d;
            }
        }

        if (slope == 0)
        {
            return tau;
        }

        var step = (mass - 1.0) / slope;

        // Only a rounding-size correction; a larger one would mean the support is about to change.
        return Math.Abs(step) <= 1e-9 * Math.Max(1.0, Math.Abs(tau)) ? tau + step : tau;
    }

    /// <summary>Sparsemax: s = #{ρ : 1 + ρ z_(ρ) &gt; Σ_{j≤ρ} z_(j)}, τ = (Σ_{j≤s} z_(j) − 1)/s.</summary>
    private static double Sparsemax(ReadOnlySpan<double> z)
    {
        double cum = 0, cumAtS = 0;
        var s = 0;
        for (var r = 0; r < z.Length; r++)
        {
            cum += z[r];
            if (1.0 + ((r + 1) * z[r]) > cum)
            {
                s = r + 1;
                cumAtS = cum;
            }
        }

        return (cumAtS - 1.0) / s;
    }

    /// <summary>
    /// Σ [z − τ]_+² = 1 (1.5-entmax on z = (θ − max)/2, and 2-normmax on z = θ − max):
    /// τ_ρ = mean_ρ − sqrt(max((1 − ss_ρ)/ρ, 0)), ss_ρ = ρ(msq_ρ − mean_ρ²); s = #{ρ : τ_ρ ≤ z_(ρ)}.
    /// </summary>
    private static double Quadratic(ReadOnlySpan<double> z)
    {
        double sum = 0, sumSq = 0, tauS = double.NaN;
        for (var r = 0; r < z.Length; r++)
        {
            sum += z[r];
            sumSq += z[r] * z[r];
            var rho = r + 1;
            var mean = sum / rho;
            var msq = sumSq / rho;
            var delta = (1.0 - (rho * (msq - (mean * mean)))) / rho;
            var tau = mean - Math.Sqrt(Math.Max(delta, 0.0));
            if (tau <= z[r])
            {
                tauS = tau;
            }
        }

        Debug.Assert(!double.IsNaN(tauS));
        return tauS;
    }

    /// <summary>
    /// Any e: binary search over the breakpoints z_(j) for the support (mass at a breakpoint is monotone),
    /// then safeguarded Newton on the identified support, to machine precision.
    /// </summary>
    private static double General(ReadOnlySpan<double> z, double e)
    {
        // Largest j with M(z_j) < 1 (true for j = 0 since M(z_0) = 0): the support is z_0..z_j.
        int good = 0, bad = z.Length;
        while (bad - good > 1)
        {
            var mid = (good + bad) >>> 1;
            if (MassAt(z[..mid], z[mid], e) < 1.0)
            {
                good = mid;
            }
            else
            {
                bad = mid;
            }
        }

        var support = z[..(good + 1)];
        var lo = Math.Max(z[0] - 1.0, good + 1 < z.Length ? z[good + 1] : double.NegativeInfinity);
        var hi = z[good];
        return NewtonOnSupport(support, e, lo, hi);
    }

    private static double MassAt(ReadOnlySpan<double> z, double tau, double e)
    {
        double m = 0;
        foreach (var v in z)
        {
            if (v > tau)
            {
                m += Math.Pow(v - tau, e);
            }
        }

        return m;
    }

    /// <summary>
    /// Solves Σ_{i∈support} (z_i − τ)^e = 1 for τ in [lo, hi], where every support entry exceeds τ on
    /// (lo, hi): the mass is smooth and monotone there, so safeguarded Newton (bisection fallback) converges
    /// to the last bits.
    /// </summary>
    private static double NewtonOnSupport(ReadOnlySpan<double> support, double e, double lo, double hi)
    {
        // Convex mass (e ≥ 1): Newton from the left end increases monotonically to the root.
        var t = e >= 1.0 ? lo : 0.5 * (lo + hi);
        for (var it = 0; it < 200; it++)
        {
            double g = -1.0, dg = 0;
            foreach (var v in support)
            {
                var d = v - t;
                if (d > 0)
                {
                    var pw = Math.Pow(d, e);
                    g += pw;
                    dg -= e * pw / d;
                }
            }

            if (g > 0)
            {
                lo = t;
            }
            else if (g < 0)
            {
                hi = t;
            }
            else
            {
                return t;
            }

            // Newton on M^{1/e} (see PowerModel.NewtonStep): linear for one term, so no slow start at high e.
            var next = dg < 0 ? t + PowerModel.Step(e, g + 1.0, -dg) : double.NaN;
            if (!(next > lo && next < hi))
            {
                next = 0.5 * (lo + hi);
            }

            if (Math.Abs(next - t) <= 2e-16 * Math.Max(1.0, Math.Abs(t)) || next <= lo || next >= hi)
            {
                return next;
            }

            t = next;
        }

        return t;
    }
}
