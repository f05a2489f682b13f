namespace Hfy.Kernels.Storage;

/// <summary>Seeded bank generators: row i depends only on (seed, i), whatever range is requested.</summary>
public static class BankGenerator
{
    /// <summary>
    /// Fills <paramref name="dest"/> (a whole number of rows of <paramref name="dim"/> floats) with rows
    /// firstRow, firstRow + 1, … of the generated bank.
    /// </summary>
    /// <remarks>
    /// Gaussian: i.i.d. N(0, 1). Sphere: a Gaussian row divided by its norm (accumulated in float64), which is
    /// uniform on the unit sphere. Binary: i.i.d. ±1 with probability ½ each.
    /// </remarks>
    public static void Fill(BankSourceKind kind, ulong seed, int dim, long firstRow, Span<float> dest)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (firstRow < 0) throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, "firstRow must be ≥ 0");
        if (dest.Length % dim != 0)
            throw new ArgumentException($"dest length {dest.Length} is not a multiple of dim {dim}", nameof(dest));
        if (kind is not (BankSourceKind.Gaussian or BankSourceKind.Sphere or BankSourceKind.Binary))
            throw new ArgumentException($"{kind} is not a generator (Gaussian, Sphere or Binary)", nameof(kind));

        var rows = dest.Length / dim;
        for (var r = 0; r < rows; r++)
        {
            var row = dest.Slice(r * dim, dim);
            var i = (ulong)(firstRow + r);
            switch (kind)
            {
                case BankSourceKind.Gaussian:
                    for (var j = 0; j < dim; j++) row[j] = (float)CounterRng.Gaussian(seed, i, (ulong)j);
                    break;
                case BankSourceKind.Sphere:
                    FillSphereRow(seed, i, row);
                    break;
                default:
                    for (var j = 0; j < dim; j++) row[j] = (CounterRng.Bits(seed, i, (ulong)j) >> 63) == 0 ? 1f : -1f;
                    break;
            }
        }
    }

    private static void FillSphereRow(ulong seed, ulong i, Span<float> row)
    {
        // Normalize in float64 so the stored float32 row has unit norm to float32 precision.
        Span<double> g = row.Length <= 1024 ? stackalloc double[row.Length] : new double[row.Length];
        var ss = 0.0;
        for (var j = 0; j < row.Length; j++)
        {
            g[j] = CounterRng.Gaussian(seed, i, (ulong)j);
            ss += g[j] * g[j];
        }
        var inv = 1.0 / Math.Sqrt(ss);
        for (var j = 0; j < row.Length; j++) row[j] = (float)(g[j] * inv);
    }
}
