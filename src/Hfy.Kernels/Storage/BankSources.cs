using Hfy.Kernels.Dynamics;

namespace Hfy.Kernels.Storage;

/// <summary>
/// Materializes row ranges of a bank described by a <see cref="BankSpec"/>: generated or read from a file,
/// with the spec's row normalization applied. Any node can rebuild any range on its own.
/// </summary>
public static class BankSources
{
    /// <summary>Rows [firstRow, firstRow + count) of the bank, row-major, normalized per <see cref="BankSpec.Normalization"/>.</summary>
    /// <exception cref="ArgumentException">The range is outside the bank, the block is too large, or the file's dimension differs from the spec.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static float[] ReadRows(BankSpec spec, long firstRow, int count)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        if (firstRow < 0 || count < 0 || firstRow + count > spec.Rows)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"rows [{firstRow}, {firstRow + count}) are outside the bank's {spec.Rows} rows");
        var n = BlockLimits.CheckedElements(count, spec.Dim, "rows");
        float[] rows;
        switch (spec.Source)
        {
            case BankSourceKind.Gaussian or BankSourceKind.Sphere or BankSourceKind.Binary:
                rows = new float[n];
                BankGenerator.Fill(spec.Source, spec.Seed, spec.Dim, firstRow, rows);
                break;
            default:
                var path = spec.Path!;
                var (fileRows, fileCols) = FileShape(spec.Source, path);
                if (fileCols != spec.Dim)
                    throw new ArgumentException($"dim: the spec says {spec.Dim} but {path} has {fileCols} values per row", nameof(spec));
                if (spec.Offset + spec.Rows > fileRows)
                    throw new ArgumentException($"rows: offset {spec.Offset} + {spec.Rows} rows exceed the {fileRows} rows of {path}", nameof(spec));
                rows = spec.Source switch
                {
                    BankSourceKind.Npy => NpyReader.ReadRows(path, spec.Offset + firstRow, count),
                    BankSourceKind.Idx => IdxReader.ReadRows(path, spec.Offset + firstRow, count),
                    _ => CsvMatrixReader.ReadRows(path, spec.Offset + firstRow, count),
                };
                break;
        }
        if (spec.Normalization != RowNormalization.None)
        {
            for (var r = 0; r < count; r++) PostTransforms.NormalizeRow(spec.Normalization, rows.AsSpan(r * spec.Dim, spec.Dim));
        }
        return rows;
    }

    /// <summary>The whole bank in one block.</summary>
    public static Bank Load(BankSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        BlockLimits.CheckedElements(spec.Rows, spec.Dim, "rows");
        return new Bank(ReadRows(spec, 0, (int)spec.Rows), (int)spec.Rows, spec.Dim);
    }

    /// <summary>
    /// The bank as a <see cref="IPatternStore"/> without materializing what need not be: generated banks become
    /// <see cref="ProceduralStore"/>s with the legacy generator (the same rows as <see cref="ReadRows"/>), un-normalized
    /// float32 .npy files are memory-mapped (<see cref="MappedNpyStore"/>, offset 0 and all rows only), the rest is
    /// loaded as a <see cref="Bank"/>.
    /// </summary>
    public static IPatternStore OpenStore(BankSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        switch (spec.Source)
        {
            case BankSourceKind.Gaussian or BankSourceKind.Sphere or BankSourceKind.Binary when spec.Normalization == RowNormalization.None:
                var ensemble = spec.Source switch
                {
                    BankSourceKind.Gaussian => ProceduralEnsemble.Gaussian,
                    BankSourceKind.Sphere => ProceduralEnsemble.Sphere,
                    _ => ProceduralEnsemble.Binary,
                };
                return new ProceduralStore(ensemble, spec.Seed, spec.Rows, spec.Dim, ProceduralGenerator.Legacy);
            case BankSourceKind.Npy when spec.Normalization == RowNormalization.None && spec.Offset == 0:
                var header = NpyReader.ReadHeader(spec.Path!);
                if (header.DType == NpyDType.Float32 && header.Rows == spec.Rows && header.Cols == spec.Dim) return new MappedNpyStore(spec.Path!);
                break;
        }
        return Load(spec);
    }

    /// <summary>Rows and values per row of a bank file, from its header (CSV: the whole file is parsed).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The path is a directory, or the file is malformed (the message names it).</exception>
    public static (long Rows, int Cols) FileShape(BankSourceKind kind, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (kind)
        {
            case BankSourceKind.Npy:
                var npy = NpyReader.ReadHeader(path);
                return (npy.Rows, npy.Cols);
            case BankSourceKind.Idx:
                var idx = IdxReader.ReadHeader(path);
                return (idx.Rows, idx.Cols);
            case BankSourceKind.Csv:
                CsvMatrixReader.ReadAllDouble(path, out var rows, out var cols);
                return (rows, cols);
            default:
                throw new ArgumentException($"{kind} is not a file source", nameof(kind));
        }
    }

    private static void Validate(BankSpec spec)
    {
        if (spec.Rows < 0) throw new ArgumentException($"rows: must be ≥ 0 (got {spec.Rows})", nameof(spec));
        if (spec.Dim < 1) throw new ArgumentException($"dim: must be ≥ 1 (got {spec.Dim})", nameof(spec));
        if (spec.Source is BankSourceKind.Npy or BankSourceKind.Idx or BankSourceKind.Csv)
        {
            if (string.IsNullOrEmpty(spec.Path)) throw new ArgumentException($"path: required for a {spec.Source} bank", nameof(spec));
            if (spec.Offset < 0) throw new ArgumentException($"offset: must be ≥ 0 (got {spec.Offset})", nameof(spec));
            LoaderFile.CheckReadable(spec.Path, "path: ");
        }
    }
}

/// <summary>
/// What every loader does before it reads: a missing path, a directory, or a path it may not read each end in one
/// line naming the file; errors from the bytes (corrupt gzip, truncated data) are rewrapped to name it too.
/// </summary>
internal static class LoaderFile
{
    /// <summary>Throws <see cref="FileNotFoundException"/> (missing) or <see cref="InvalidDataException"/> (a directory) naming <paramref name="path"/>.</summary>
    public static void CheckReadable(string path, string prefix = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new InvalidDataException($"{prefix}{path}: is a directory, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{prefix}file not found: {path}", path);
    }

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="CheckReadable"/>.</summary>
    public static FileStream OpenRead(string path)
    {
        CheckReadable(path);
        try
        {
            return File.OpenRead(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: permission denied");
        }
    }

    /// <summary>
    /// Runs a read; an <see cref="InvalidDataException"/> or <see cref="IOException"/> raised by the stream layers (gzip)
    /// without the file name is rethrown naming it, with the first line of the cause only.
    /// </summary>
    public static T Wrap<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt data ({FirstLine(e.Message)})", e);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && !e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: read failed ({FirstLine(e.Message)})", e);
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim().TrimEnd('.');
}
