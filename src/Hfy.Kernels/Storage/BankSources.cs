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
                if (spec.Generator == ProceduralGenerator.Legacy) BankGenerator.Fill(spec.Source, spec.Seed, spec.Dim, firstRow, rows);
                else Procedural(spec).DecodeRows(firstRow, count, rows);
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
        RowNormalizations.NormalizeRows(spec.Normalization, rows.AsSpan(0, count * spec.Dim), spec.Dim);
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
    /// The bank as the <see cref="IPatternStore"/> its <see cref="BankSpec.Storage"/> asks for, rows normalized per
    /// <see cref="BankSpec.Normalization"/> (a <see cref="NormalizedStore"/> view where the rows are not materialized):
    /// Auto is a resident <see cref="Bank"/> when the bank fits one array, else a procedural (generated) or mapped (.npy)
    /// store. Every kind holds the rows <see cref="ReadRows"/> gives, bit for bit (float16: rounded once).
    /// </summary>
    /// <exception cref="ArgumentException">The storage kind does not apply to the source (the message names both).</exception>
    public static IPatternStore OpenStore(BankSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var generated = BankAddress.IsGenerated(spec.Source);
        var fitsOneArray = (long)spec.Rows * spec.Dim <= BlockLimits.MaxElements;
        var storage = spec.Storage;
        if (storage == BankStorage.Auto)
        {
            storage = fitsOneArray ? BankStorage.Resident
                : generated ? BankStorage.Procedural
                : spec.Source == BankSourceKind.Npy ? BankStorage.Mapped
                : throw new ArgumentException($"rows: {spec.Rows} × {spec.Dim} floats do not fit one array and a {spec.Source} bank cannot be mapped or generated (storage: resident)", nameof(spec));
        }
        switch (storage)
        {
            case BankStorage.Procedural:
                if (!generated) throw new ArgumentException($"storage: procedural needs a generated source (sphere, gaussian, binary), not {spec.Source}", nameof(spec));
                return Normalized(Procedural(spec), spec.Normalization);
            case BankStorage.Mapped:
                if (spec.Source != BankSourceKind.Npy) throw new ArgumentException($"storage: mapped needs an .npy source, not {spec.Source}", nameof(spec));
                var header = NpyReader.ReadHeader(spec.Path!);
                if (header.DType != NpyDType.Float32) throw new ArgumentException($"storage: mapped needs a float32 .npy; {spec.Path} holds {header.DType}", nameof(spec));
                if (header.Cols != spec.Dim) throw new ArgumentException($"dim: the spec says {spec.Dim} but {spec.Path} has {header.Cols} values per row", nameof(spec));
                if (spec.Offset + spec.Rows > header.Rows) throw new ArgumentException($"rows: offset {spec.Offset} + {spec.Rows} rows exceed the {header.Rows} rows of {spec.Path}", nameof(spec));
                IPatternStore mapped = new MappedNpyStore(spec.Path!);
                if (spec.Offset != 0 || spec.Rows != header.Rows) mapped = new RowRangeStore(mapped, spec.Offset, spec.Rows);
                return Normalized(mapped, spec.Normalization);
            case BankStorage.Half:
                return HalfStore.From(Source(spec, fitsOneArray));
            case BankStorage.Bits:
                if (spec.Source != BankSourceKind.Binary || spec.Normalization != RowNormalization.None)
                    throw new ArgumentException($"storage: bits needs a binary (±1) source without normalization (got {spec.Source}, normalization {spec.Normalization})", nameof(spec));
                return BitPackedStore.From(Source(spec, fitsOneArray));
            default:
                if (fitsOneArray) return Load(spec);
                return PatternStores.Materialize(Source(spec, fitsOneArray));
        }
    }

    /// <summary>Rows [first, first + count) of the bank as a store (a partition's rows): <see cref="OpenStore(BankSpec)"/> viewed through a <see cref="RowRangeStore"/>.</summary>
    public static IPatternStore OpenStore(BankSpec spec, long first, long count)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (first < 0 || count < 0 || first + count > spec.Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first + count}) are outside the bank's {spec.Rows} rows");
        if (first == 0 && count == spec.Rows) return OpenStore(spec);
        var fits = count * spec.Dim <= BlockLimits.MaxElements;
        return spec.Storage switch
        {
            // A resident partition holds only its own rows.
            BankStorage.Auto or BankStorage.Resident when fits => new Bank(ReadRows(spec, first, (int)count), (int)count, spec.Dim),
            BankStorage.Half when fits => HalfStore.From(new Bank(ReadRows(spec, first, (int)count), (int)count, spec.Dim)),
            BankStorage.Bits when fits && spec.Source == BankSourceKind.Binary && spec.Normalization == RowNormalization.None =>
                BitPackedStore.From(new Bank(ReadRows(spec, first, (int)count), (int)count, spec.Dim)),
            _ => new RowRangeStore(OpenStore(spec), first, count),
        };
    }

    /// <summary>The storage kind <paramref name="rows"/> rows of the bank get: Auto resolved (resident when they fit one array, else procedural or mapped).</summary>
    public static BankStorage ResolvedStorage(BankSpec spec, long rows)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Storage != BankStorage.Auto) return spec.Storage;
        return rows * spec.Dim <= BlockLimits.MaxElements ? BankStorage.Resident : BankAddress.IsGenerated(spec.Source) ? BankStorage.Procedural : BankStorage.Mapped;
    }

    /// <summary>True when the bank's rows are not a resident float32 bank: retrievals stream (<see cref="Retrieval.StoreScoreSource"/>) and list at most a cap of weights.</summary>
    public static bool IsStreamed(BankSpec spec) => ResolvedStorage(spec, spec.Rows) != BankStorage.Resident;

    /// <summary>The bytes a node holds in process memory for rows [.., + rows) of the bank under its storage kind (mapped and procedural: 0).</summary>
    public static long ResidentBytes(BankSpec spec, long rows)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var storage = ResolvedStorage(spec, rows);
        return storage switch
        {
            BankStorage.Resident => rows * spec.Dim * sizeof(float),
            BankStorage.Half => rows * spec.Dim * 2,
            BankStorage.Bits => rows * ((spec.Dim + 63) / 64) * sizeof(ulong),
            _ => 0,
        };
    }

    /// <summary>The generated bank's un-normalized rows as a procedural store.</summary>
    private static ProceduralStore Procedural(BankSpec spec) =>
        new(spec.Source switch
        {
            BankSourceKind.Gaussian => ProceduralEnsemble.Gaussian,
            BankSourceKind.Sphere => ProceduralEnsemble.Sphere,
            _ => ProceduralEnsemble.Binary,
        }, spec.Seed, spec.Rows, spec.Dim, spec.Generator);

    /// <summary>The normalized rows as a store that costs no copy where the source is procedural or mapped (the source for half and bit-packed copies).</summary>
    private static IPatternStore Source(BankSpec spec, bool fitsOneArray) =>
        BankAddress.IsGenerated(spec.Source) ? Normalized(Procedural(spec), spec.Normalization)
        : spec.Source == BankSourceKind.Npy && !fitsOneArray ? OpenStore(spec with { Storage = BankStorage.Mapped })
        : Load(spec);

    private static IPatternStore Normalized(IPatternStore store, RowNormalization normalization) =>
        normalization == RowNormalization.None ? store : new NormalizedStore(store, normalization);

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
