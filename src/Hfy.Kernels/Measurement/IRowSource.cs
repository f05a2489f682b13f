using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Measurement;

/// <summary>
/// Rows of a bank read in blocks, wherever they live: the one seam between measurements (<see cref="TopOverlapScan"/>)
/// and storage, so a procedural store (rows regenerated from (seed, i), O(1) memory) plugs in by implementing it.
/// </summary>
public interface IRowSource
{
    /// <summary>Number of rows P.</summary>
    long Rows { get; }

    /// <summary>Values per row N.</summary>
    int Dim { get; }

    /// <summary>Writes rows [first, first + dest.Length / Dim) into <paramref name="dest"/> (row-major). Must be safe to call from several threads.</summary>
    void ReadRows(long first, Span<float> dest);
}

/// <summary>An <see cref="IRowSource"/> over a <see cref="BankSpec"/>: generated rows are regenerated from (seed, i), files read in blocks.</summary>
/// <param name="Spec">The bank (its row normalization is applied).</param>
public sealed record BankSpecRowSource(BankSpec Spec) : IRowSource
{
    /// <inheritdoc />
    public long Rows => Spec.Rows;

    /// <inheritdoc />
    public int Dim => Spec.Dim;

    /// <inheritdoc />
    public void ReadRows(long first, Span<float> dest)
    {
        var count = dest.Length / Spec.Dim;
        BankSources.ReadRows(Spec, first, count).AsSpan().CopyTo(dest);
    }
}

/// <summary>An <see cref="IRowSource"/> over a bank held in memory.</summary>
/// <param name="Bank">The rows.</param>
public sealed record InMemoryRowSource(Bank Bank) : IRowSource
{
    /// <inheritdoc />
    public long Rows => Bank.Rows;

    /// <inheritdoc />
    public int Dim => Bank.Dim;

    /// <inheritdoc />
    public void ReadRows(long first, Span<float> dest) => Bank.Data.AsSpan(checked((int)first * Bank.Dim), dest.Length).CopyTo(dest);
}
