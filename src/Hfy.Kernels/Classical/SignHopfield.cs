namespace Hfy.Kernels.Classical;

/// <summary>
/// The textbook classical Hopfield network (docs/math.md §3): s ← sgn(W s) with W = XᵀX − diag(Σ_i x_ij²),
/// synchronous, W never formed (the field is Σ_i x_i (x_iᵀs − x_ij s_j)). A zero field leaves a unit unchanged.
/// </summary>
public static class SignHopfield
{
    /// <summary>One synchronous step s ← sgn(W s); returns the number of units that changed.</summary>
    /// <param name="rows">Patterns X, row-major N × <paramref name="dim"/>.</param>
    /// <param name="dim">Dimension D.</param>
    /// <param name="s">State (length D), updated in place.</param>
    /// <param name="h">Scratch for the field (length D).</param>
    public static int Step(ReadOnlySpan<float> rows, int dim, double[] s, double[] h)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(h);
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (rows.Length % dim != 0) throw new ArgumentException($"rows has {rows.Length} values, not a multiple of dim = {dim}", nameof(rows));
        if (s.Length != dim) throw new ArgumentException($"s has length {s.Length}, expected {dim}", nameof(s));
        if (h.Length != dim) throw new ArgumentException($"h has length {h.Length}, expected {dim}", nameof(h));
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

    /// <summary>Runs up to <paramref name="steps"/> synchronous steps, stopping after the first that changes no unit; returns the steps run.</summary>
    public static int Run(ReadOnlySpan<float> rows, int dim, double[] s, int steps)
    {
        var h = new double[dim];
        for (var t = 0; t < steps; t++)
        {
            if (Step(rows, dim, s, h) == 0) return t + 1;
        }
        return steps;
    }
}
