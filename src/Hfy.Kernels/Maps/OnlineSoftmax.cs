namespace Hfy.Kernels.Maps;

/// <summary>
/// Mergeable softmax readout summary of one set of patterns (docs/architecture.md, step 1):
/// m = max θ_i, Z = Σ e^{θ_i − m}, R = Σ e^{θ_i − m} x_i (all float64). States of disjoint sets merge
/// exactly, so the softmax readout Xᵀp = R/Z over a whole bank is assembled from partition states.
/// </summary>
/// <param name="Max">m: the max score of the set (−∞ for an empty set).</param>
/// <param name="Z">Σ e^{θ_i − m}.</param>
/// <param name="R">Σ e^{θ_i − m} x_i (length D).</param>
public readonly record struct OnlineSoftmaxState(double Max, double Z, double[] R)
{
    /// <summary>S = Σ e^{θ_i − m}(θ_i − m), so that Ω(p) = Σ p log p = S/Z − log Z (the energy's regularizer).</summary>
    public double S { get; init; }

    /// <summary>Ω(p) = Σ_i p_i log p_i of the softmax weights p_i = e^{θ_i − m}/Z.</summary>
    public double NegEntropy => (S / Z) - Math.Log(Z);

    /// <summary>The state of an empty set: merging it changes nothing.</summary>
    public static OnlineSoftmaxState Empty(int dim) => new(double.NegativeInfinity, 0.0, new double[dim]);

    /// <summary>True when no finite score has been seen.</summary>
    public bool IsEmpty => Z == 0.0;

    /// <summary>log Σ e^{θ_i} = m + log Z = Ω*(θ) for softmax (the energy's first term).</summary>
    public double LogSumExp => Max + Math.Log(Z);

    /// <summary>The state of the union of two disjoint sets: rescale both to the larger max, then add.</summary>
    public OnlineSoftmaxState Merge(OnlineSoftmaxState other)
    {
        if (other.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        if (R.Length != other.R.Length)
        {
            throw new ArgumentException($"other: readout length {other.R.Length} differs from {R.Length}.", nameof(other));
        }

        var m = Math.Max(Max, other.Max);
        var a = Math.Exp(Max - m);
        var b = Math.Exp(other.Max - m);
        var r = new double[R.Length];
        for (var d = 0; d < r.Length; d++)
        {
            r[d] = (a * R[d]) + (b * other.R[d]);
        }

        // Re-centred at the new max: Σ e^{θ − m}(θ − m) = a (S + (Max − m) Z) for this set, likewise for the other.
        var s = (a * (S + ((Max - m) * Z))) + (b * (other.S + ((other.Max - m) * other.Z)));
        return new OnlineSoftmaxState(m, (a * Z) + (b * other.Z), r) { S = s };
    }

    /// <summary>Softmax weight of a score θ of this set: e^{θ − m}/Z.</summary>
    public double Weight(double theta) => Math.Exp(theta - Max) / Z;

    /// <summary>Writes the readout Xᵀp = R/Z into <paramref name="into"/> (length D).</summary>
    public void Readout(Span<double> into)
    {
        if (into.Length != R.Length)
        {
            throw new ArgumentException($"into: length {into.Length} must equal the readout length {R.Length}.", nameof(into));
        }

        if (IsEmpty)
        {
            throw new InvalidOperationException("The softmax state is empty: no finite score.");
        }

        var inv = 1.0 / Z;
        for (var d = 0; d < R.Length; d++)
        {
            into[d] = R[d] * inv;
        }
    }
}

/// <summary>Builds <see cref="OnlineSoftmaxState"/>s from a partition's scores and rows.</summary>
public static class OnlineSoftmax
{
    /// <summary>
    /// The state of one block: float32 scores θ_i (−∞ = masked) and the matching rows (row-major,
    /// scores.Length × dim). Sums accumulate in float64.
    /// </summary>
    public static OnlineSoftmaxState FromScores(ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, int dim)
    {
        if (dim < 1)
        {
            throw new ArgumentException($"dim: must be ≥ 1 (got {dim}).", nameof(dim));
        }

        if (rows.Length != (long)scores.Length * dim)
        {
            throw new ArgumentException($"rows: length {rows.Length} must equal scores ({scores.Length}) × dim ({dim}).", nameof(rows));
        }

        var m = double.NegativeInfinity;
        foreach (var s in scores)
        {
            if (float.IsNaN(s) || float.IsPositiveInfinity(s))
            {
                throw new ArgumentException($"scores: must be finite or −∞ (got {s}).", nameof(scores));
            }

            if (s > m)
            {
                m = s;
            }
        }

        var r = new double[dim];
        if (double.IsNegativeInfinity(m))
        {
            return new OnlineSoftmaxState(m, 0.0, r);
        }

        double z = 0, sum = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var w = Math.Exp(scores[i] - m);
            if (w == 0.0)
            {
                continue;
            }

            z += w;
            sum += w * (scores[i] - m);
            var row = rows.Slice(i * dim, dim);
            for (var d = 0; d < dim; d++)
            {
                r[d] += w * row[d];
            }
        }

        return new OnlineSoftmaxState(m, z, r) { S = sum };
    }

    /// <summary>Merges any number of partition states (order does not matter up to rounding).</summary>
    public static OnlineSoftmaxState MergeAll(IEnumerable<OnlineSoftmaxState> states, int dim)
    {
        ArgumentNullException.ThrowIfNull(states);
        var acc = OnlineSoftmaxState.Empty(dim);
        foreach (var s in states)
        {
            acc = acc.Merge(s);
        }

        return acc;
    }
}
