namespace Hfy.Kernels.Storage;

/// <summary>The size limit of one in-memory float block (a .NET array), checked before anything is allocated.</summary>
public static class BlockLimits
{
    /// <summary>The most elements one block may hold (<see cref="Array.MaxLength"/>).</summary>
    public static long MaxElements => Array.MaxLength;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when rows × dim does not fit in one block.</summary>
    public static int CheckedElements(long rows, int dim, string what)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(what, rows, $"{what}: rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(what, dim, $"{what}: dim must be ≥ 1");
        var elements = (double)rows * dim;
        if (elements > MaxElements)
            throw new ArgumentException(
                FormattableString.Invariant($"{what}: {rows} rows × {dim} = {elements:0} elements exceed the {MaxElements} one in-memory block can hold; split the bank into partitions"),
                what);
        return (int)(rows * dim);
    }
}
