namespace Hfy.Experiments.Exponential;

/// <summary>A threshold estimate: where a success fraction crosses ½ along a load axis.</summary>
/// <param name="Value">The interpolated crossing (null when the fraction never crosses ½ inside the grid).</param>
/// <param name="Sigma">
/// Its uncertainty: half the distance between the crossings of the Wilson bounds, over 1.96; at least the bracket's
/// width over √12 when the rate falls by ≥ <see cref="ExponentialEstimators.SharpStep"/> across it (a step sharper than
/// the grid, as p_target at large P gives: the crossing is then anywhere in the bracket, and linear interpolation only
/// names a point inside it).
/// </param>
/// <param name="Note">Why there is no value (every point above or below ½), or empty.</param>
public sealed record ThresholdEstimate(double? Value, double Sigma, string Note);

/// <summary>A weighted straight-line fit y = Intercept + Slope·x.</summary>
/// <param name="Intercept">The value at x = 0 (the N → ∞ extrapolation when x = 1/N).</param>
/// <param name="InterceptSe">Standard error of the intercept (scaled by √(χ²/dof) when that exceeds 1).</param>
/// <param name="Slope">The slope.</param>
/// <param name="SlopeSe">Standard error of the slope.</param>
/// <param name="Points">Points fitted.</param>
/// <param name="ChiSquarePerDof">χ²/dof (NaN with 2 points).</param>
public sealed record LineFit(double Intercept, double InterceptSe, double Slope, double SlopeSe, int Points, double ChiSquarePerDof);

/// <summary>The estimators of the exponential experiment: Wilson intervals, threshold crossings, the 1/N extrapolation.</summary>
public static class ExponentialEstimators
{
    /// <summary>
    /// A fall of at least this much between two neighbouring points is a step sharper than the grid: the rates say the
    /// crossing lies between them, not where (linear interpolation assumes a transition as wide as the bracket).
    /// </summary>
    public const double SharpStep = 0.8;

    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Wilson score interval of k successes in n trials at normal quantile z.</summary>
    public static (double Lo, double Hi) Wilson(long k, long n, double z = Z95)
    {
        if (n <= 0) return (0, 1);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [0, n = {n}]");
        var p = (double)k / n;
        var z2 = z * z;
        var den = 1 + z2 / n;
        var center = (p + z2 / (2 * n)) / den;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>
    /// Where the success fraction first falls through ½ along x (points sorted by x; linear interpolation between the last
    /// point ≥ ½ and the next one &lt; ½). The uncertainty comes from the same crossing of the lower and upper Wilson bounds.
    /// </summary>
    public static ThresholdEstimate Crossing(IReadOnlyList<(double X, double Rate, double Lo, double Hi)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var pts = points.OrderBy(p => p.X).ToArray();
        if (pts.Length == 0) return new ThresholdEstimate(null, double.NaN, "no points");
        var value = Cross(pts.Select(p => (p.X, p.Rate)).ToArray(), out var bracket);
        if (value is null)
        {
            var note = pts.All(p => p.Rate >= 0.5) ? Inv($"success ≥ ½ up to the largest load ({pts[^1].X:G4}): threshold above the grid")
                : pts[0].Rate < 0.5 ? Inv($"success < ½ from the smallest load ({pts[0].X:G4}): threshold below the grid") : "no crossing";
            return new ThresholdEstimate(null, double.NaN, note);
        }
        var step = pts.Length > 1 ? (pts[^1].X - pts[0].X) / (pts.Length - 1) : 0;
        var lo = Cross(pts.Select(p => (p.X, p.Lo)).ToArray(), out _) ?? pts[0].X;
        var hi = Cross(pts.Select(p => (p.X, p.Hi)).ToArray(), out _) ?? pts[^1].X;
        var sigma = Math.Max(Math.Abs(hi - lo) / (2 * Z95), 0);
        if (sigma == 0) sigma = step / (2 * Z95 * 4);
        if (pts[bracket].Rate - pts[bracket + 1].Rate >= SharpStep) sigma = Math.Max(sigma, (pts[bracket + 1].X - pts[bracket].X) / Math.Sqrt(12));
        return new ThresholdEstimate(value, sigma, "");
    }

    /// <summary>
    /// Where a positive quantity y (the median target weight) first falls through ½ along x: ln y interpolated linearly
    /// between the last point with y ≥ ½ and the next one. No value (and a note) when y stays on one side over the
    /// grid or is missing; σ is NaN (one number per point: its spread over banks is not in it).
    /// </summary>
    public static ThresholdEstimate MedianCrossing(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var pts = points.Where(p => double.IsFinite(p.Y) && p.Y > 0).OrderBy(p => p.X).ToArray();
        if (pts.Length == 0) return new ThresholdEstimate(null, double.NaN, "no weights");
        for (var i = 0; i + 1 < pts.Length; i++)
        {
            if (pts[i].Y >= 0.5 && pts[i + 1].Y < 0.5)
            {
                var (x0, y0) = (pts[i].X, Math.Log(pts[i].Y));
                var (x1, y1) = (pts[i + 1].X, Math.Log(pts[i + 1].Y));
                return new ThresholdEstimate(x0 + (y0 - Math.Log(0.5)) / (y0 - y1) * (x1 - x0), double.NaN, "");
            }
        }
        return new ThresholdEstimate(null, double.NaN, pts.All(p => p.Y >= 0.5)
            ? Inv($"median ≥ ½ up to the largest load ({pts[^1].X:0.0000}: {pts[^1].Y:0.000})")
            : pts[0].Y < 0.5 ? Inv($"median < ½ from the smallest load ({pts[0].X:0.0000}: {pts[0].Y:0.000})") : "no crossing");
    }

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>The interpolated crossing of ½ and the index of the point before it (the bracket is [i, i + 1]).</summary>
    private static double? Cross((double X, double Y)[] pts, out int bracket)
    {
        bracket = -1;
        if (pts.Length == 0 || pts[0].Y < 0.5) return null;
        for (var i = 0; i + 1 < pts.Length; i++)
        {
            if (pts[i].Y >= 0.5 && pts[i + 1].Y < 0.5)
            {
                var (x0, y0) = pts[i];
                var (x1, y1) = pts[i + 1];
                bracket = i;
                return x0 + (y0 - 0.5) / (y0 - y1) * (x1 - x0);
            }
        }
        return null;
    }

    /// <summary>Weighted least squares y = a + b x with weights 1/σ² (σ ≤ 0 or NaN: weight of the median σ).</summary>
    public static LineFit? FitLine(IReadOnlyList<(double X, double Y, double Sigma)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var pts = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        if (pts.Length < 2 || pts.Select(p => p.X).Distinct().Count() < 2) return null;
        var sigmas = pts.Select(p => p.Sigma).Where(s => s > 0 && double.IsFinite(s)).OrderBy(s => s).ToArray();
        var fallback = sigmas.Length > 0 ? sigmas[sigmas.Length / 2] : 1.0;
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (x, y, s0) in pts)
        {
            var s = s0 > 0 && double.IsFinite(s0) ? s0 : fallback;
            var w = 1 / (s * s);
            sw += w;
            sx += w * x;
            sy += w * y;
            sxx += w * x * x;
            sxy += w * x * y;
        }
        var det = sw * sxx - sx * sx;
        var b = (sw * sxy - sx * sy) / det;
        var a = (sy - b * sx) / sw;
        var varA = sxx / det;
        var varB = sw / det;
        var dof = pts.Length - 2;
        var chi2 = 0.0;
        foreach (var (x, y, s0) in pts)
        {
            var s = s0 > 0 && double.IsFinite(s0) ? s0 : fallback;
            chi2 += Math.Pow((y - a - b * x) / s, 2);
        }
        var perDof = dof > 0 ? chi2 / dof : double.NaN;
        var scale = dof > 0 ? Math.Max(1, perDof) : 1;
        return new LineFit(a, Math.Sqrt(varA * scale), b, Math.Sqrt(varB * scale), pts.Length, perDof);
    }
}
