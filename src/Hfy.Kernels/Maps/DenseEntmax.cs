using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// α-entmax for α close to 1 (docs/math.md §2), in score units: p_i = [1 + s(θ_i − τ′)]_+^{1/s} with
/// s = α − 1, computed as exp(log1p(s·x)/s). As s → 0 this is exp(θ_i − τ′) with τ′ = log Σ exp θ_j, so the
/// map reaches softmax continuously. The map-scaled form [sθ − τ]^{1/s} (τ = sτ′ − 1) is ill-conditioned
/// there: an ulp of z = sθ − τ ≈ 1 becomes a relative error of ε/s in p (1e-4 at s = 1e-12).
/// </summary>
internal static class DenseEntmax
{
    /// <summary>α − 1 up to which <see cref="Entmax"/> uses this form; above it the map-scaled solvers are as accurate.</summary>
    public const double Limit = 0.1;

    private const int MaxSteps = 100;

    /// <summary>Computes p and returns τ′ − max θ (score units, shifted by the max), so that p_i = f(θ_i − max − τ′).</summary>
    /// <remarks>
    /// τ′ solves M(u) = Σ [1 + s(t_i − u)]_+^{1/s} = 1 on t = θ − max. Bracket [0, log Σ e^{t_i}]: the top entry
    /// alone gives M(0) ≥ 1, and [1 + s x]^{1/s} ≤ e^x gives M ≤ 1 at the softmax threshold. Newton on log M from the
    /// right end (one step is exact for s = 0), bisection when a step leaves the bracket. The output is divided by
    /// its sum, so Σp = 1 to rounding.
    /// </remarks>
    public static double Forward(ReadOnlySpan<double> theta, Span<double> p, double s)
    {
        Debug.Assert(s > 0 && s <= Limit);
        var max = ScoreVectors.MaxFinite(theta, out _);
        double sumExp = 0;
        foreach (var t in theta)
        {
            sumExp += Math.Exp(t - max);
        }

        double lo = 0, hi = Math.Log(sumExp);
        var u = hi;
        for (var step = 0; step < MaxSteps; step++)
        {
            double mass = 0, slope = 0;
            foreach (var t in theta)
            {
                var y = s * (t - max - u);
                if (y > -1.0)
                {
                    var f = Math.Exp(Log1P(y) / s);
                    mass += f;
                    slope += f / (1.0 + y);
                }
            }

            if (mass == 1.0 || !(slope > 0))
            {
                break;
            }

            if (mass > 1.0)
            {
                lo = u;
            }
            else
            {
                hi = u;
            }

            // Newton on log M: d log M/du = −slope/mass.
            var next = u + (Math.Log(mass) * mass / slope);
            if (!(next >= lo && next <= hi))
            {
                next = 0.5 * (lo + hi);
            }

            var done = Math.Abs(next - u) <= 2e-16 * Math.Max(1.0, Math.Abs(u)) || hi - lo <= 2e-16 * Math.Max(1.0, Math.Abs(u));
            u = next;
            if (done)
            {
                break;
            }
        }

        double sum = 0;
        for (var i = 0; i < theta.Length; i++)
        {
            var w = Weight(theta[i] - max - u, s);
            p[i] = w;
            sum += w;
        }

        for (var i = 0; i < p.Length; i++)
        {
            p[i] /= sum;
        }

        return u;
    }

    /// <summary>[1 + s·x]_+^{1/s} as exp(log1p(s·x)/s): exact to a few ulps for every s in (0, <see cref="Limit"/>].</summary>
    public static double Weight(double x, double s)
    {
        var y = s * x;
        return y > -1.0 ? Math.Exp(Log1P(y) / s) : 0.0;
    }

    /// <summary>
    /// ln(1 + y) to a few ulps for every y &gt; −1 (Kahan's u = 1 ⊕ y correction; <c>double.LogP1</c> is
    /// ln(1 ⊕ y), which loses every digit below ulp(1) for tiny y).
    /// </summary>
    public static double Log1P(double y)
    {
        var u = 1.0 + y;
        return u == 1.0 ? y : Math.Log(u) * (y / (u - 1.0));
    }

    /// <summary>eˣ − 1 to a few ulps (Kahan's correction; <c>double.ExpM1</c> is eˣ ⊖ 1).</summary>
    public static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        var um1 = u - 1.0;
        return um1 == -1.0 || double.IsInfinity(u) ? um1 : um1 * (x / Math.Log(u));
    }
}
