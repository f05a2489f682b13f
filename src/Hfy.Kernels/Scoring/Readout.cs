using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Scoring;

/// <summary>The readout z = Xᵀp (docs/math.md §1), accumulated in float64.</summary>
public static class Readout
{
    /// <summary>
    /// Adds Σ_j weights[j] · x_{ids[j]} to <paramref name="z"/> for a sparse p given as local row ids and weights.
    /// </summary>
    /// <remarks>Large supports are summed on all cores into float64 partials added in a fixed order.</remarks>
    public static unsafe void Accumulate(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<double> weights, Span<double> z)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (ids.Length != weights.Length) throw new ArgumentException($"ids ({ids.Length}) and weights ({weights.Length}) differ in length", nameof(weights));
        if (z.Length != dim) throw new ArgumentException($"z has length {z.Length}, expected dim {dim}", nameof(z));
        var n = rows.Length / dim;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)n) throw new ArgumentOutOfRangeException(nameof(ids), id, $"row id must be in 0..{n - 1}");
        }
        fixed (float* x = rows)
        fixed (int* ip = ids)
        fixed (double* wp = weights)
        fixed (double* zp = z)
        {
            if ((long)ids.Length * dim < Scorer.ParallelThreshold || Environment.ProcessorCount == 1)
            {
                for (var j = 0; j < ids.Length; j++) AddScaledRow(x + (long)ip[j] * dim, wp[j], zp, dim);
                return;
            }
            // Dense supports (softmax, small β): per-task float64 partials, added in a fixed order (deterministic).
            var chunk = Scorer.ChunkRows(ids.Length, dim) * 4;
            var tasks = (ids.Length + chunk - 1) / chunk;
            var partials = new double[(long)tasks * dim];
            var xa = (nint)x;
            var ia = (nint)ip;
            var wa = (nint)wp;
            var count = ids.Length;
            Parallel.For(0, tasks, c =>
            {
                var first = c * chunk;
                var last = Math.Min(count, first + chunk);
                fixed (double* part = &partials[(long)c * dim])
                {
                    for (var j = first; j < last; j++) AddScaledRow((float*)xa + (long)((int*)ia)[j] * dim, ((double*)wa)[j], part, dim);
                }
            });
            for (var c = 0; c < tasks; c++)
            {
                for (var k = 0; k < dim; k++) zp[k] += partials[(long)c * dim + k];
            }
        }
    }

    /// <summary>
    /// Adds Σ_j weights[j] · x_{ids[j]} to <paramref name="z"/> reading only the support rows of any store (random
    /// access: resident rows are read in place, half / bit-packed rows decoded, procedural rows regenerated).
    /// </summary>
    /// <remarks>float64 accumulation; large supports are summed on all cores into partials added in a fixed order.</remarks>
    public static unsafe void Accumulate(IPatternStore store, ReadOnlySpan<long> ids, ReadOnlySpan<double> weights, Span<double> z)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dim = store.Dim;
        if (ids.Length != weights.Length) throw new ArgumentException($"ids ({ids.Length}) and weights ({weights.Length}) differ in length", nameof(weights));
        if (z.Length != dim) throw new ArgumentException($"z has length {z.Length}, expected dim {dim}", nameof(z));
        foreach (var id in ids)
        {
            if ((ulong)id >= (ulong)store.Rows) throw new ArgumentOutOfRangeException(nameof(ids), id, $"row id must be in 0..{store.Rows - 1}");
        }
        const int chunk = 1024;
        var tasks = (ids.Length + chunk - 1) / chunk;
        if (tasks <= 1 || Environment.ProcessorCount == 1)
        {
            AccumulateRange(store, ids, weights, z);
            return;
        }
        var idArray = ids.ToArray();
        var wArray = weights.ToArray();
        var partials = new double[tasks][];
        Parallel.For(0, tasks, t =>
        {
            var first = t * chunk;
            var n = Math.Min(chunk, idArray.Length - first);
            partials[t] = new double[dim];
            AccumulateRange(store, idArray.AsSpan(first, n), wArray.AsSpan(first, n), partials[t]);
        });
        foreach (var part in partials)
        {
            for (var k = 0; k < dim; k++) z[k] += part[k];
        }
    }

    private static unsafe void AccumulateRange(IPatternStore store, ReadOnlySpan<long> ids, ReadOnlySpan<double> weights, Span<double> z)
    {
        var dim = store.Dim;
        var row = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        fixed (float* x = row)
        fixed (double* zp = z)
        {
            for (var j = 0; j < ids.Length; j++)
            {
                if (weights[j] == 0) continue;
                store.ReadRow(ids[j], row);
                AddScaledRow(x, weights[j], zp, dim);
            }
        }
    }

    /// <summary>
    /// z = Σ_i weights[i] · x_i over every row (dense p, e.g. softmax); zero weights are skipped. Large blocks are
    /// summed on all cores into per-task float64 partials that are added in a fixed order (deterministic).
    /// </summary>
    public static unsafe void Dense(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<double> weights, Span<double> z)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        var n = rows.Length / dim;
        if (weights.Length != n) throw new ArgumentException($"weights has length {weights.Length}, expected {n} rows", nameof(weights));
        if (z.Length != dim) throw new ArgumentException($"z has length {z.Length}, expected dim {dim}", nameof(z));
        z.Clear();
        fixed (float* x = rows)
        fixed (double* w = weights)
        fixed (double* zp = z)
        {
            if ((long)rows.Length < Scorer.ParallelThreshold || Environment.ProcessorCount == 1)
            {
                for (var i = 0; i < n; i++)
                {
                    if (w[i] != 0) AddScaledRow(x + (long)i * dim, w[i], zp, dim);
                }
                return;
            }
            var chunk = Scorer.ChunkRows(n, dim) * 4;
            var tasks = (n + chunk - 1) / chunk;
            var partials = new double[(long)tasks * dim];
            var xa = (nint)x;
            var wa = (nint)w;
            Parallel.For(0, tasks, c =>
            {
                var first = c * chunk;
                var last = Math.Min(n, first + chunk);
                fixed (double* part = &partials[(long)c * dim])
                {
                    for (var i = first; i < last; i++)
                    {
                        var wi = ((double*)wa)[i];
                        if (wi != 0) AddScaledRow((float*)xa + (long)i * dim, wi, part, dim);
                    }
                }
            });
            for (var c = 0; c < tasks; c++)
            {
                for (var k = 0; k < dim; k++) zp[k] += partials[(long)c * dim + k];
            }
        }
    }

    /// <summary>z += w · x for one float32 row, widened to float64 (SIMD): the partitions' readouts use it row by row.</summary>
    public static unsafe void AddScaled(ReadOnlySpan<float> row, double w, Span<double> z)
    {
        if (z.Length != row.Length) throw new ArgumentException($"z has length {z.Length}, expected the row's {row.Length}", nameof(z));
        fixed (float* x = row)
        fixed (double* zp = z)
        {
            AddScaledRow(x, w, zp, row.Length);
        }
    }

    /// <summary>z += w · x (float32 row widened to float64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void AddScaledRow(float* x, double w, double* z, int dim)
    {
        var wv = Vector256.Create(w);
        var k = 0;
        for (; k + 8 <= dim; k += 8)
        {
            var v = Vector256.Load(x + k);
            Vector256.MultiplyAddEstimate(Vector256.WidenLower(v), wv, Vector256.Load(z + k)).Store(z + k);
            Vector256.MultiplyAddEstimate(Vector256.WidenUpper(v), wv, Vector256.Load(z + k + 4)).Store(z + k + 4);
        }
        for (; k < dim; k++) z[k] += w * x[k];
    }
}
