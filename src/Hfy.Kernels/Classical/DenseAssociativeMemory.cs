namespace Hfy.Kernels.Classical;

/// <summary>Interaction function F of a dense associative memory.</summary>
public enum DamFunction
{
    /// <summary>F(x) = xⁿ (capacity ∝ D^{n−1}).</summary>
    Polynomial,
    /// <summary>F(x) = exp(x) (capacity exponential in D).</summary>
    Exponential,
}

/// <summary>
/// Dense associative memory (Krotov; docs/math.md §3): energy −Σ_i F(x_iᵀs) over ±1 states, with the exact update
/// s_j ← sgn Σ_i [F(x_ij + Σ_{l≠j} x_il s_l) − F(−x_ij + Σ_{l≠j} x_il s_l)].
/// </summary>
/// <remarks>
/// The update sets s_j to whichever sign gives the lower energy with the other units fixed, so asynchronous
/// updates never increase the energy. Overlaps m_i = x_iᵀs are kept current (Σ_{l≠j} x_il s_l = m_i − x_ij s_j).
/// For F = exp the difference is summed after subtracting the largest exponent, so it never overflows; the
/// energy itself is reported as −Σ exp(m_i) and may be −∞ for large D. A zero difference leaves the unit unchanged.
/// </remarks>
public sealed class DenseAssociativeMemory
{
    private readonly float[] _x;

    /// <summary>Stores <paramref name="count"/> patterns (row-major count × dim, usually ±1).</summary>
    public DenseAssociativeMemory(float[] patterns, int count, int dim, DamFunction function, int degree = 3)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 1");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if ((long)count * dim != patterns.Length)
            throw new ArgumentException($"patterns has {patterns.Length} values, expected count × dim = {(long)count * dim}", nameof(patterns));
        if (function == DamFunction.Polynomial && degree < 1)
            throw new ArgumentOutOfRangeException(nameof(degree), degree, "degree: must be ≥ 1");
        _x = patterns;
        Patterns = count;
        Dim = dim;
        Function = function;
        Degree = degree;
    }

    /// <summary>Number of stored patterns N.</summary>
    public int Patterns { get; }

    /// <summary>Dimension D.</summary>
    public int Dim { get; }

    /// <summary>The interaction function.</summary>
    public DamFunction Function { get; }

    /// <summary>n for F(x) = xⁿ.</summary>
    public int Degree { get; }

    /// <summary>F(x).</summary>
    public double F(double x) => Function == DamFunction.Polynomial ? Math.Pow(x, Degree) : Math.Exp(x);

    /// <summary>E(s) = −Σ_i F(x_iᵀs).</summary>
    public double Energy(ReadOnlySpan<float> s)
    {
        CheckState(s);
        var e = 0.0;
        for (var i = 0; i < Patterns; i++) e -= F(Overlap(i, s));
        return e;
    }

    /// <summary>One asynchronous sweep over the units in <paramref name="order"/> (all when empty); returns the flips.</summary>
    public int UpdateAsync(Span<float> s, ReadOnlySpan<int> order = default)
    {
        CheckState(s);
        var m = new double[Patterns];
        for (var i = 0; i < Patterns; i++) m[i] = Overlap(i, s);
        var flips = 0;
        var count = order.IsEmpty ? Dim : order.Length;
        for (var t = 0; t < count; t++)
        {
            var j = order.IsEmpty ? t : order[t];
            var v = Decide(m, s, j);
            if (v == s[j]) continue;
            flips++;
            var delta = (double)v - s[j];
            for (var i = 0; i < Patterns; i++) m[i] += delta * _x[i * Dim + j];
            s[j] = v;
        }
        return flips;
    }

    /// <summary>One synchronous update (every unit from the same old state); returns the flips.</summary>
    public int UpdateSync(Span<float> s)
    {
        CheckState(s);
        var m = new double[Patterns];
        for (var i = 0; i < Patterns; i++) m[i] = Overlap(i, s);
        var next = new float[Dim];
        var flips = 0;
        for (var j = 0; j < Dim; j++)
        {
            next[j] = Decide(m, s, j);
            if (next[j] != s[j]) flips++;
        }
        next.CopyTo(s);
        return flips;
    }

    /// <summary>Runs sweeps until no unit changes or <paramref name="maxSweeps"/>; returns the sweeps run.</summary>
    public int Run(Span<float> s, int maxSweeps, bool synchronous = false, ulong seed = 0)
    {
        var order = new int[Dim];
        for (var j = 0; j < Dim; j++) order[j] = j;
        for (var sweep = 1; sweep <= maxSweeps; sweep++)
        {
            if (!synchronous && seed != 0) ClassicalHopfield.Shuffle(order, seed, (ulong)sweep);
            var flips = synchronous ? UpdateSync(s) : UpdateAsync(s, order);
            if (flips == 0) return sweep;
        }
        return maxSweeps;
    }

    private float Decide(double[] m, ReadOnlySpan<float> s, int j)
    {
        double diff;
        if (Function == DamFunction.Polynomial)
        {
            diff = 0;
            for (var i = 0; i < Patterns; i++)
            {
                var xij = (double)_x[i * Dim + j];
                var rest = m[i] - xij * s[j];
                diff += F(xij + rest) - F(-xij + rest);
            }
        }
        else
        {
            var shift = double.NegativeInfinity;
            for (var i = 0; i < Patterns; i++)
            {
                var xij = (double)_x[i * Dim + j];
                shift = Math.Max(shift, Math.Abs(xij) + m[i] - xij * s[j]);
            }
            diff = 0;
            for (var i = 0; i < Patterns; i++)
            {
                var xij = (double)_x[i * Dim + j];
                var rest = m[i] - xij * s[j] - shift;
                diff += Math.Exp(xij + rest) - Math.Exp(-xij + rest);
            }
        }
        return diff > 0 ? 1f : diff < 0 ? -1f : s[j];
    }

    private double Overlap(int i, ReadOnlySpan<float> s)
    {
        var m = 0.0;
        for (var j = 0; j < Dim; j++) m += (double)_x[i * Dim + j] * s[j];
        return m;
    }

    private void CheckState(ReadOnlySpan<float> s)
    {
        if (s.Length != Dim) throw new ArgumentException($"s has length {s.Length}, expected {Dim}", nameof(s));
    }
}
