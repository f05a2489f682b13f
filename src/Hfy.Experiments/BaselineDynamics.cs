using System.Diagnostics;
using Hfy.Kernels.Dynamics;

namespace Hfy.Experiments;

/// <summary>
/// The classical Hopfield and dense associative memory baselines as the HFY paper runs them
/// (docs/math.md §3): q ← tanh(β Xᵀ F'(X q)), F'(s) = s, sⁿ or exp(β_in s); synchronous updates.
/// They are not HFY maps (no MapSpec), so they run here, on the coordinator, over the whole bank.
/// <see cref="BaselineKind.Hopfield"/> is the textbook network instead: s ← sgn(W s), W = XᵀX with zero diagonal.
/// </summary>
public static class BaselineDynamics
{
    /// <summary>Runs T updates (stopping early when ‖Δq‖ ≤ tol) from <paramref name="q0"/>.</summary>
    /// <param name="rows">The bank, N × D row-major, already normalized as the post-transform requires.</param>
    /// <param name="dim">D.</param>
    /// <param name="q0">Initial state (normalized like the rows).</param>
    /// <param name="map">The baseline.</param>
    /// <param name="beta">β of the tanh.</param>
    /// <param name="steps">T.</param>
    /// <param name="tol">Early-stop tolerance (0: run all T).</param>
    /// <param name="retrievedTol">‖q − x_i‖∞ bound for exact retrieval.</param>
    /// <returns>The final state; Ids/Weights hold the row with the largest overlap (weight 1); Energy is empty (sync updates have no monotone energy).</returns>
    public static RetrievalResult Run(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> q0, CellMap map, double beta, int steps, double tol, double retrievedTol)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Baseline is null) throw new ArgumentException("not a baseline map", nameof(map));
        if (q0.Length != dim) throw new ArgumentException($"q0 has {q0.Length} values, expected D = {dim}", nameof(q0));
        if (rows.Length % dim != 0) throw new ArgumentException("rows is not N × D", nameof(rows));
        var n = rows.Length / dim;
        var q = new double[dim];
        for (var i = 0; i < dim; i++) q[i] = q0[i];
        var s = new double[n];
        var z = new double[dim];
        var done = 0;
        for (var t = 0; t < steps; t++)
        {
            Array.Clear(z);
            if (map.Baseline == BaselineKind.Hopfield)
            {
                done = t + 1;
                if (HopfieldStep(rows, dim, q, z) == 0) break;
                continue;
            }
            for (var r = 0; r < n; r++)
            {
                var row = rows.Slice(r * dim, dim);
                double dot = 0;
                for (var i = 0; i < dim; i++) dot += row[i] * q[i];
                var f = map.Baseline switch
                {
                    BaselineKind.Classical => dot,
                    BaselineKind.DamPoly => Math.Pow(dot, map.Degree),
                    _ => Math.Exp(map.BetaIn * dot),
                };
                s[r] = f;
                if (f == 0) continue;
                for (var i = 0; i < dim; i++) z[i] += f * row[i];
            }
            double delta = 0;
            for (var i = 0; i < dim; i++)
            {
                var next = Math.Tanh(beta * z[i]);
                delta += (next - q[i]) * (next - q[i]);
                q[i] = next;
            }
            done = t + 1;
            if (tol > 0 && Math.Sqrt(delta) <= tol) break;
        }

        // The pattern with the largest overlap is the candidate for exact retrieval.
        var best = -1;
        var bestDot = double.NegativeInfinity;
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * dim, dim);
            double dot = 0;
            for (var i = 0; i < dim; i++) dot += row[i] * q[i];
            if (dot > bestDot)
            {
                bestDot = dot;
                best = r;
            }
        }
        long? retrieved = null;
        if (best >= 0)
        {
            var row = rows.Slice(best * dim, dim);
            var max = 0.0;
            for (var i = 0; i < dim; i++) max = Math.Max(max, Math.Abs(q[i] - row[i]));
            if (max <= retrievedTol) retrieved = best;
        }
        Debug.Assert(done <= steps);
        return new RetrievalResult(q, best >= 0 ? [best] : [], best >= 0 ? [1.0] : [], done, [], retrieved);
    }

    /// <summary>One synchronous step s ← sgn(W s) with W = XᵀX − diag(Σ_i x_ij²); returns the number of units that changed.</summary>
    private static int HopfieldStep(ReadOnlySpan<float> rows, int dim, double[] s, double[] h)
    {
        var n = rows.Length / dim;
        Array.Clear(h);
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * dim, dim);
            double overlap = 0;
            for (var i = 0; i < dim; i++) overlap += row[i] * s[i];
            for (var i = 0; i < dim; i++) h[i] += row[i] * (overlap - row[i] * s[i]);
        }
        var changed = 0;
        for (var i = 0; i < dim; i++)
        {
            if (h[i] == 0) continue;
            var next = h[i] > 0 ? 1.0 : -1.0;
            if (next != s[i]) changed++;
            s[i] = next;
        }
        return changed;
    }
}
