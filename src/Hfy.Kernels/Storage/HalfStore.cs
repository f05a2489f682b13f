using System.Numerics.Tensors;

namespace Hfy.Kernels.Storage;

/// <summary>
/// float16 rows (half the memory of float32): rows are widened to float32 when decoded, so the scorer accumulates in
/// float32 as for any other store. Rounding to half costs ≤ 2⁻¹¹ relative per component (|x| ≥ 6.1e-5; below that
/// subnormal halves keep an absolute error ≤ 3e-8), so a unit row's score moves by ≤ 4.9e-4 ‖q‖.
/// </summary>
public sealed class HalfStore : IPatternStore
{
    private readonly RowSegments<Half> _segments;

    /// <summary>An all-zero store of rows × dim halves, in segments of ≤ 2³⁰ values.</summary>
    public HalfStore(long rows, int dim)
    {
        _segments = new RowSegments<Half>(rows, dim, d => d, 1 << 30);
        Rows = rows;
        Dim = dim;
    }

    /// <summary>Rounds every row of <paramref name="source"/> to float16 (round to nearest even).</summary>
    public static HalfStore From(IPatternStore source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var store = new HalfStore(source.Rows, source.Dim);
        RowSegments<Half>.ConvertFrom(source, (first, _, tmp) => store.WriteRows(first, tmp));
        return store;
    }

    /// <summary>Writes float32 rows (rounded to float16) starting at row <paramref name="first"/>.</summary>
    public void WriteRows(long first, ReadOnlySpan<float> rows)
    {
        if (rows.Length % Dim != 0) throw new ArgumentException($"rows length {rows.Length} is not a multiple of dim {Dim}", nameof(rows));
        var count = rows.Length / Dim;
        PatternStores.CheckRange(this, first, count, rows.Length, Dim);
        for (var r = 0; r < count;)
        {
            var target = _segments.Run(first + r, count - r, out var run);
            TensorPrimitives.ConvertToHalf(rows.Slice(r * Dim, run * Dim), target);
            r += run;
        }
    }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim { get; }

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.Half;

    /// <inheritdoc/>
    public long ResidentBytes => Rows * Dim * 2;

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        for (var r = 0; r < count;)
        {
            var source = _segments.Run(first + r, count - r, out var run);
            TensorPrimitives.ConvertToSingle(source, dest.Slice(r * Dim, run * Dim));
            r += run;
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);
}
