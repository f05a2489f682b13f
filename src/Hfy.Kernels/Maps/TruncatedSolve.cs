namespace Hfy.Kernels.Maps;

/// <summary>
/// The exact solve on truncated candidate lists (docs/architecture.md, step 2, in dense regimes). Each partition sends
/// its highest scores and a floor: every score it left out is ≤ its floor. For τ at or above the highest floor F
/// the union's mass function is the global one; below F it is a lower bound (left-out rows only add mass).
/// So the exact solve on the union either lands where no score ≤ F carries weight — and is the global solution —
/// or brackets the global τ* between its own τ and τ(F), which the probe rounds then narrow.
/// </summary>
public static class TruncatedSolve
{
    /// <summary>
    /// Solves <paramref name="map"/> on the union of truncated lists; true when the answer is the global one.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="union">Every score above the lists' floors (and possibly some at or below them).</param>
    /// <param name="floor">The highest floor F: every score not in <paramref name="union"/> is ≤ F.</param>
    /// <param name="p">Receives the weights on <paramref name="union"/> (valid when the method returns true).</param>
    /// <param name="lo">When false: a lower bound of τ* (τ on the union, widened by a few ulps of rounding).</param>
    /// <param name="hi">When false: an upper bound of τ* (the threshold at which F stops carrying weight).</param>
    public static bool TrySolve(IThresholdMap map, ReadOnlySpan<double> union, double floor, Span<double> p, out double lo, out double hi)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (p.Length != union.Length)
        {
            throw new ArgumentException($"p: length {p.Length} must equal union's length {union.Length}.", nameof(p));
        }

        if (double.IsNaN(floor))
        {
            throw new ArgumentException("floor: must not be NaN.", nameof(floor));
        }

        lo = double.NegativeInfinity;
        hi = double.PositiveInfinity;
        var finite = 0;
        foreach (var s in union)
        {
            if (double.IsFinite(s))
            {
                finite++;
            }
        }

        if (finite < map.AnchorRank)
        {
            // Too few candidates to solve on (k-subsets with k above the lists' length): no bounds.
            return false;
        }

        var tau = map.Forward(union, p);
        if (map.Weight(floor, tau) == 0)
        {
            return true;
        }

        hi = map.ThresholdOf(floor);
        lo = tau - (1e-13 * Math.Max(Math.Abs(tau), hi - tau));
        return false;
    }
}
