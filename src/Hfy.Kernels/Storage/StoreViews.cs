namespace Hfy.Kernels.Storage;

/// <summary>
/// The rows of another store normalized per a <see cref="RowNormalization"/> when decoded (the same
/// <see cref="RowNormalizations.NormalizeRow"/> arithmetic <see cref="BankSources.ReadRows"/> uses, so the rows are the
/// materialized bank's bits): a procedural or mapped bank stays unmaterialized under ℓ2 or layer-norm retrieval.
/// </summary>
public sealed class NormalizedStore : IPatternStore
{
    private readonly IPatternStore _inner;
    private readonly RowNormalization _normalization;

    /// <summary>Normalizes the rows of <paramref name="inner"/>.</summary>
    public NormalizedStore(IPatternStore inner, RowNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _normalization = normalization;
    }

    /// <inheritdoc/>
    public long Rows => _inner.Rows;

    /// <inheritdoc/>
    public int Dim => _inner.Dim;

    /// <inheritdoc/>
    public PatternStoreKind Kind => _inner.Kind;

    /// <inheritdoc/>
    public long ResidentBytes => _inner.ResidentBytes;

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        _inner.DecodeRows(first, count, dest);
        RowNormalizations.NormalizeRows(_normalization, dest[..(count * Dim)], Dim);
    }

    /// <inheritdoc/>
    public ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        DecodeRows(first, count, scratch);
        return scratch[..(count * Dim)];
    }
}

/// <summary>Rows [first, first + count) of another store as a store of its own (row 0 = the inner store's row first): a partition's rows, or a file's rows after an offset.</summary>
public sealed class RowRangeStore : IPatternStore
{
    private readonly IPatternStore _inner;
    private readonly long _first;

    /// <summary>The view of rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of <paramref name="inner"/>.</summary>
    public RowRangeStore(IPatternStore inner, long first, long count)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (first < 0 || count < 0 || first + count > inner.Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first + count}) are outside the store's {inner.Rows} rows");
        _inner = inner;
        _first = first;
        Rows = count;
    }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim => _inner.Dim;

    /// <inheritdoc/>
    public PatternStoreKind Kind => _inner.Kind;

    /// <inheritdoc/>
    public long ResidentBytes => _inner.ResidentBytes;

    /// <inheritdoc/>
    public void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        _inner.DecodeRows(_first + first, count, dest);
    }

    /// <inheritdoc/>
    public ReadOnlySpan<float> Tile(long first, int count, Span<float> scratch)
    {
        PatternStores.CheckRange(this, first, count, int.MaxValue, 0);
        return _inner.Tile(_first + first, count, scratch);
    }
}
