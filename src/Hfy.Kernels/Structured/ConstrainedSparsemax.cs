using System.Diagnostics;

namespace Hfy.Kernels.Structured;

/// <summary>
/// Constrained sparsemax (docs/math.md §5, free recall): the Euclidean projection of θ onto
/// {p ∈ Δ, p ≤ u}. The solution is p_i = clip(θ_i − τ, 0, u_i) with τ chosen so that Σp = 1; τ is
/// found exactly by scanning the 2N breakpoints {θ_i, θ_i − u_i} of the piecewise-linear mass function.
/// </summary>
public static class ConstrainedSparsemax
{
    /// <summary>Σu may fall short of 1 by this much (rounding); the answer is then p = u.</summary>
    public const double CapacityTolerance = 1e-9;

    /// <summary>
    /// Computes p = argmin_{p ∈ Δ, p ≤ u} ‖p − θ‖² into <paramref name="p"/>.
    /// </summary>
    /// <param name="theta">Scores; −∞ marks a masked entry (weight 0). NaN and +∞ are rejected.</param>
    /// <param name="upper">Upper bounds u_i ≥ 0 (+∞ allowed, meaning no cap); Σu must be ≥ 1 (up to <see cref="CapacityTolerance"/>).</param>
    /// <param name="p">Output, same length as θ.</param>
    /// <returns>The threshold τ (any τ of the flat stretch when the answer does not depend on it).</returns>
    /// <remarks>Exact up to rounding: O(N log N) for the sort of the breakpoints, sums in float64.
    /// Entries at their cap are written as exactly u_i, entries outside the support as exactly 0, so
    /// <see cref="Backward"/> can read the free set off p.</remarks>
    public static double Forward(ReadOnlySpan<double> theta, ReadOnlySpan<double> upper, Span<double> p)
    {
        int n = theta.Length;
        if (upper.Length != n)
            throw new ArgumentException($"upper: must have the same length as theta ({n}), got {upper.Length}", nameof(upper));
        if (p.Length != n)
            throw new ArgumentException($"p: must have the same length as theta ({n}), got {p.Length}", nameof(p));
        double capacity = 0;
        for (int i = 0; i < n; i++)
        {
            double t = theta[i], u = upper[i];
            if (double.IsNaN(t) || double.IsPositiveInfinity(t))
                throw new ArgumentException($"theta: entries must be finite or −∞ (theta[{i}] = {t})", nameof(theta));
            if (double.IsNaN(u) || u < 0)
                throw new ArgumentException($"upper: entries must be ≥ 0 (upper[{i}] = {u})", nameof(upper));
            if (!double.IsNegativeInfinity(t)) capacity += u;
        }
        // Σu = 1 is feasible (p = u); allow rounding below it, which arises when u is what is left after
        // many subtractions (free recall's last round).
        if (!(capacity >= 1 - CapacityTolerance))
            throw new ArgumentException(
                FormattableString.Invariant($"upper: Σ upper over unmasked entries must be ≥ 1 for {{p ∈ Δ, p ≤ upper}} to be feasible (got {capacity:G6})"),
                nameof(upper));

        // Breakpoints of f(τ) = Σ clip(θ_i − τ, 0, u_i), visited from +∞ downwards: at τ = θ_i entry i
        // enters the support (slope −1), at τ = θ_i − u_i it reaches its cap (slope back to 0, mass u_i).
        var points = new double[2 * n];
        var events = new int[2 * n]; // i ≥ 0: entry i becomes free; ~i: entry i becomes capped
        int m = 0;
        for (int i = 0; i < n; i++)
        {
            if (double.IsNegativeInfinity(theta[i]) || upper[i] == 0) continue;
            points[m] = theta[i]; events[m++] = i;
            points[m] = theta[i] - upper[i]; events[m++] = ~i;
        }
        Array.Sort(points, events, 0, m);

        // Scan descending. Between breakpoints f(τ) = sumFree − free·τ + sumCapped.
        double sumFree = 0, sumCapped = 0;
        int free = 0;
        double tau = double.NaN;
        for (int j = m - 1; j >= 0; j--)
        {
            double bp = points[j];
            double f = sumFree - free * bp + sumCapped;
            if (f >= 1)
            {
                // The crossing lies in [bp, previous breakpoint]; f is linear there.
                tau = free > 0 ? (sumFree + sumCapped - 1) / free : bp;
                break;
            }
            // Apply every event at this breakpoint (ties) before evaluating further down.
            int e = events[j];
            if (e >= 0) { free++; sumFree += theta[e]; }
            else { int i = ~e; free--; sumFree -= theta[i]; sumCapped += upper[i]; }
        }
        // f is continuous with f(−∞) = Σu ≥ 1 and f(max θ) = 0, so the scan finds the crossing, except when
        // Σu is 1 up to rounding and the running sums land a hair below 1: then every entry is at its cap.
        if (double.IsNaN(tau))
        {
            Debug.Assert(m > 0 && capacity < 1 + CapacityTolerance);
            tau = points[0];
        }

        for (int i = 0; i < n; i++)
        {
            double t = theta[i];
            if (double.IsNegativeInfinity(t)) { p[i] = 0; continue; }
            double v = t - tau;
            p[i] = v <= 0 ? 0 : v >= upper[i] ? upper[i] : v;
        }
        return tau;
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Forward"/>: with F = {i : 0 &lt; p_i &lt; u_i} (the free set),
    /// dθ_i = dp_i − mean_{j∈F} dp_j on F and 0 elsewhere; optionally du_i = dp_i − mean_{j∈F} dp_j on the
    /// capped set {p_i = u_i &gt; 0} (0 elsewhere).
    /// </summary>
    /// <param name="p">Output of <see cref="Forward"/>.</param>
    /// <param name="upper">The bounds passed to <see cref="Forward"/>.</param>
    /// <param name="dp">Incoming gradient with respect to p.</param>
    /// <param name="dtheta">Output gradient with respect to θ.</param>
    /// <param name="dupper">Optional output gradient with respect to u (empty span to skip).</param>
    public static void Backward(ReadOnlySpan<double> p, ReadOnlySpan<double> upper, ReadOnlySpan<double> dp,
        Span<double> dtheta, Span<double> dupper = default)
    {
        int n = p.Length;
        if (upper.Length != n) throw new ArgumentException($"upper: must have the same length as p ({n})", nameof(upper));
        if (dp.Length != n) throw new ArgumentException($"dp: must have the same length as p ({n})", nameof(dp));
        if (dtheta.Length != n) throw new ArgumentException($"dtheta: must have the same length as p ({n})", nameof(dtheta));
        if (!dupper.IsEmpty && dupper.Length != n)
            throw new ArgumentException($"dupper: must be empty or have the same length as p ({n})", nameof(dupper));

        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (p[i] > 0 && p[i] < upper[i]) { sum += dp[i]; count++; }
        }
        double mean = count > 0 ? sum / count : 0;
        for (int i = 0; i < n; i++)
        {
            bool isFree = p[i] > 0 && p[i] < upper[i];
            dtheta[i] = isFree ? dp[i] - mean : 0;
            if (!dupper.IsEmpty)
            {
                bool capped = p[i] > 0 && p[i] == upper[i];
                // A capped entry moves one-for-one with its bound; the free entries absorb the mass change
                // through τ (when there are none, p = u on the support and τ does not move them).
                dupper[i] = capped ? dp[i] - (count > 0 ? mean : 0) : 0;
            }
        }
    }
}
