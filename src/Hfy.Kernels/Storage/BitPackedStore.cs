using System.Numerics;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Storage;

/// <summary>
/// ±1 patterns packed 64 components per ulong (bit set = −1), 32 × smaller than float32. Decoded rows are exactly
/// ±1.0f, so float scores equal those of the float32 bank bit for bit; for ±1 queries <see cref="SignDots"/> gives the
/// exact integer dot products D − 2·popcount(x ⊕ q).
/// </summary>
public sealed class BitPackedStore : IPatternStore
{
    private readonly RowSegments<ulong> _segments;

    /// <summary>An all-(+1) store of rows × dim signs.</summary>
    public BitPackedStore(long rows, int dim)
    {
        _segments = new RowSegments<ulong>(rows, dim, d => (d + 63) / 64, 1 << 27);
        Rows = rows;
        Dim = dim;
        WordsPerRow = _segments.ValuesPerRow;
    }

    /// <summary>ulongs per row: ⌈D/64⌉ (unused high bits are 0).</summary>
    public int WordsPerRow { get; }

    /// <summary>Packs the signs of every row of <paramref name="source"/> (x &lt; 0 → −1, otherwise +1).</summary>
    public static BitPackedStore From(IPatternStore source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var store = new BitPackedStore(source.Rows, source.Dim);
        RowSegments<ulong>.ConvertFrom(source, (first, n, tmp) =>
        {
            for (var r = 0; r < n; r++) Pack(tmp.AsSpan(r * source.Dim, source.Dim), store.Words(first + r));
        });
        return store;
    }

    /// <summary>Packs one row of signs (x &lt; 0 → bit set) into <paramref name="words"/> (⌈D/64⌉ ulongs).</summary>
    public static void Pack(ReadOnlySpan<float> row, Span<ulong> words)
    {
        if (words.Length != (row.Length + 63) / 64)
            throw new ArgumentException($"words has length {words.Length}, expected ⌈{row.Length}/64⌉ = {(row.Length + 63) / 64}", nameof(words));
        words.Clear();
        for (var k = 0; k < row.Length; k++)
        {
            if (row[k] < 0) words[k >> 6] |= 1UL << (k & 63);
        }
    }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim { get; }

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.BitPacked;

    /// <inheritdoc/>
    public long ResidentBytes => Rows * WordsPerRow * sizeof(ulong);

    /// <summary>The packed words of one row (writable).</summary>
    public Span<ulong> Words(long row)
    {
        if ((ulong)row >= (ulong)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in 0..{Rows - 1}");
        return _segments.Run(row, 1, out _);
    }

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        var bitMasks = Vector256.Create(1u, 2, 4, 8, 16, 32, 64, 128);
        var one = Vector256.Create(1f);
        var minusOne = Vector256.Create(-1f);
        for (var r = 0; r < count; r++)
        {
            var w = Words(first + r);
            var row = dest.Slice(r * Dim, Dim);
            var k = 0;
            for (; k + 8 <= Dim; k += 8)
            {
                var bits = Vector256.Create((uint)(w[k >> 6] >> (k & 63))) & bitMasks;
                Vector256.ConditionalSelect(Vector256.Equals(bits, Vector256<uint>.Zero).AsSingle(), one, minusOne).CopyTo(row[k..]);
            }
            for (; k < Dim; k++) row[k] = ((w[k >> 6] >> (k & 63)) & 1) != 0 ? -1f : 1f;
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <summary>
    /// Exact dot products of rows [first, first + count) with a ±1 query packed by <see cref="Pack"/>:
    /// dots[i] = Σ_k x_ik q_k = D − 2 · popcount(x_i ⊕ q).
    /// </summary>
    public void SignDots(ReadOnlySpan<ulong> packedQuery, long first, int count, Span<int> dots)
    {
        if (packedQuery.Length != WordsPerRow)
            throw new ArgumentException($"packedQuery has length {packedQuery.Length}, expected {WordsPerRow}", nameof(packedQuery));
        PatternStores.CheckRange(this, first, count, dots.Length, 1);
        for (var r = 0; r < count;)
        {
            var words = _segments.Run(first + r, count - r, out var run);
            for (var i = 0; i < run; i++)
            {
                var differ = 0;
                for (var j = 0; j < WordsPerRow; j++) differ += BitOperations.PopCount(words[i * WordsPerRow + j] ^ packedQuery[j]);
                dots[r + i] = Dim - 2 * differ;
            }
            r += run;
        }
    }
}
