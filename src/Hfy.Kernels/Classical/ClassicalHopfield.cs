namespace Hfy.Kernels.Classical;

/// <summary>
/// The classical Hopfield network (docs/math.md §3): states s ∈ {±1}^D, Hebbian weights W = XᵀX,
/// energy −½ Σ_i (x_iᵀs)² = −½ sᵀWs, sign updates synchronous or asynchronous.
/// </summary>
/// <remarks>
/// When N &lt; D the D×D matrix is never formed: the field is h = Xᵀ(X s), and asynchronous updates keep the
/// overlaps m = X s current (O(N) per flip). When N ≥ D, W is formed once, on the first synchronous field
/// (then D² ≤ N·D per update). The diagonal of W is
/// kept, so the energy is exactly −½‖Xs‖² and every asynchronous flip lowers it (ΔE = 2 s_j h_j − 2W_jj &lt; 0).
/// A zero field leaves a unit unchanged.
/// </remarks>
public sealed class ClassicalHopfield
{
    private readonly float[] _x;
    private double[]? _w;

    /// <summary>Stores <paramref name="count"/> patterns (row-major count × dim, usually ±1).</summary>
    public ClassicalHopfield(float[] patterns, int count, int dim)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 1");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if ((long)count * dim != patterns.Length)
            throw new ArgumentException($"patterns has {patterns.Length} values, expected count × dim = {(long)count * dim}", nameof(patterns));
        _x = patterns;
        Patterns = count;
        Dim = dim;
    }

    /// <summary>Number of stored patterns N.</summary>
    public int Patterns { get; }

    /// <summary>Dimension D.</summary>
    public int Dim { get; }

    /// <summary>True when fields use the formed W = XᵀX (N ≥ D; formed on the first <see cref="Field"/>).</summary>
    public bool FormsWeightMatrix => Patterns >= Dim;

    /// <summary>E(s) = −½ Σ_i (x_iᵀs)².</summary>
    public double Energy(ReadOnlySpan<float> s)
    {
        CheckState(s);
        var e = 0.0;
        for (var i = 0; i < Patterns; i++)
        {
            var m = Overlap(i, s);
            e -= 0.5 * m * m;
        }
        return e;
    }

    /// <summary>The local fields h = W s (= Xᵀ(X s) without forming W when N &lt; D).</summary>
    public void Field(ReadOnlySpan<float> s, Span<double> h)
    {
        CheckState(s);
        if (h.Length != Dim) throw new ArgumentException($"h has length {h.Length}, expected {Dim}", nameof(h));
        h.Clear();
        if (FormsWeightMatrix)
        {
            _w ??= Hebbian();
            for (var a = 0; a < Dim; a++)
            {
                var sum = 0.0;
                for (var b = 0; b < Dim; b++) sum += _w[a * Dim + b] * s[b];
                h[a] = sum;
            }
            return;
        }
        for (var i = 0; i < Patterns; i++)
        {
            var m = Overlap(i, s);
            for (var j = 0; j < Dim; j++) h[j] += m * _x[i * Dim + j];
        }
    }

    /// <summary>One synchronous update s ← sgn(W s); returns the number of units that changed.</summary>
    public int UpdateSync(Span<float> s)
    {
        var h = new double[Dim];
        Field(s, h);
        var flips = 0;
        for (var j = 0; j < Dim; j++)
        {
            var v = h[j] > 0 ? 1f : h[j] < 0 ? -1f : s[j];
            if (v != s[j]) flips++;
            s[j] = v;
        }
        return flips;
    }

    /// <summary>One asynchronous sweep: units in <paramref name="order"/> (all units when empty), each s_j ← sgn(h_j) with the current state.</summary>
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
            var h = 0.0;
            for (var i = 0; i < Patterns; i++) h += _x[i * Dim + j] * m[i];
            var v = h > 0 ? 1f : h < 0 ? -1f : s[j];
            if (v == s[j]) continue;
            flips++;
            var delta = (double)v - s[j];
            for (var i = 0; i < Patterns; i++) m[i] += delta * _x[i * Dim + j];
            s[j] = v;
        }
        return flips;
    }

    /// <summary>Runs updates until no unit changes or <paramref name="maxSweeps"/> sweeps; returns the sweeps run.</summary>
    /// <param name="s">State, updated in place.</param>
    /// <param name="maxSweeps">Upper bound on sweeps.</param>
    /// <param name="synchronous">Synchronous (all units at once) or asynchronous sweeps.</param>
    /// <param name="seed">Asynchronous: a fresh random unit order per sweep from this seed; 0 keeps the order 0..D−1.</param>
    public int Run(Span<float> s, int maxSweeps, bool synchronous = false, ulong seed = 0)
    {
        var order = new int[Dim];
        for (var j = 0; j < Dim; j++) order[j] = j;
        for (var sweep = 1; sweep <= maxSweeps; sweep++)
        {
            if (!synchronous && seed != 0) Shuffle(order, seed, (ulong)sweep);
            var flips = synchronous ? UpdateSync(s) : UpdateAsync(s, order);
            if (flips == 0) return sweep;
        }
        return maxSweeps;
    }

    internal static void Shuffle(int[] order, ulong seed, ulong round)
    {
        for (var j = order.Length - 1; j > 0; j--)
        {
            var r = (int)(Storage.CounterRng.Bits(seed, round, (ulong)j) % (ulong)(j + 1));
            (order[j], order[r]) = (order[r], order[j]);
        }
    }

    /// <summary>W = XᵀX (D × D, diagonal kept), built once.</summary>
    private double[] Hebbian()
    {
        var w = new double[Dim * Dim];
        for (var i = 0; i < Patterns; i++)
        {
            for (var a = 0; a < Dim; a++)
            {
                var xa = (double)_x[i * Dim + a];
                if (xa == 0) continue;
                for (var b = 0; b < Dim; b++) w[a * Dim + b] += xa * _x[i * Dim + b];
            }
        }
        return w;
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
