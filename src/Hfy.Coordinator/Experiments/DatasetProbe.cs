namespace Hfy.Coordinator.Experiments;

/// <summary>Reads only the shape (rows, dimension) of a pattern file, so a spec is checked before any bank is built.</summary>
public static class DatasetProbe
{
    /// <summary>How to get the Fashion-MNIST IDX files the example specs use.</summary>
    public const string FashionMnistHint =
        "install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); `dpkg -L dataset-fashion-mnist` lists its IDX files";

    /// <summary>The shape of an IDX (optionally gzipped), .npy or CSV file, read by the bank loaders themselves.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or a directory (one line naming it).</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static (long Rows, int Dim) Shape(string source, string path)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(path);
        return source switch
        {
            "idx" => Hfy.Kernels.Storage.BankSources.FileShape(Hfy.Kernels.Storage.BankSourceKind.Idx, path),
            "npy" => Hfy.Kernels.Storage.BankSources.FileShape(Hfy.Kernels.Storage.BankSourceKind.Npy, path),
            "csv" => Hfy.Kernels.Storage.BankSources.FileShape(Hfy.Kernels.Storage.BankSourceKind.Csv, path),
            _ => throw new ArgumentException($"not a file source: {source}", nameof(source)),
        };
    }
}
