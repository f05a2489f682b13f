using Hfy.Kernels.Storage;

namespace Hfy.Cli.Commands;

/// <summary>The <c>--memories</c> argument shared by <c>hfy retrieve</c> and <c>hfy recall</c>: a matrix file
/// (.npy, CSV, IDX, JSON <c>{"rows": …}</c>) or a generated bank <c>gen:KIND:N:D[:SEED]</c>.</summary>
internal static class MemoriesArgument
{
    /// <summary>Reads or generates the bank; bad input is a <see cref="CliUsageException"/> naming <c>memories</c>.</summary>
    public static Bank Read(string? source, ProceduralGenerator generator = ProceduralGenerator.Legacy)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new CliUsageException("memories: required (a file or gen:KIND:N:D[:SEED])");
        if (BankAddress.IsGeneratedAddress(source)) return Generate(source, generator);
        var m = JsonIo.ReadMatrix(source, "memories", "rows");
        JsonIo.RequireFinite(m, "memories");
        return new Bank(m.ToFloat(), m.Rows, m.Cols);
    }

    /// <summary>
    /// The bank as a pattern store of <paramref name="storage"/> (gen: addresses and .npy files; others need resident):
    /// nothing is materialized for procedural and mapped stores.
    /// </summary>
    public static IPatternStore Open(string? source, BankStorage storage, ProceduralGenerator generator)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new CliUsageException("memories: required (a file or gen:KIND:N:D[:SEED])");
        BankSpec spec;
        if (BankAddress.IsGeneratedAddress(source)) spec = Parse(source) with { Generator = generator };
        else if (BankAddress.FileFormatOf(source) == BankSourceKind.Npy)
        {
            var (rowCount, cols) = ReadShape(source);
            spec = new BankSpec("cli", rowCount, cols, BankSourceKind.Npy, Path: source);
        }
        else if (storage == BankStorage.Resident) return Read(source, generator);
        else throw new CliUsageException($"storage: {storage.ToString().ToLowerInvariant()} needs gen:KIND:N:D[:SEED] or an .npy file as memories (got '{source}')");
        try
        {
            return BankSources.OpenStore(spec with { Storage = storage });
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static (long Rows, int Cols) ReadShape(string path)
    {
        try
        {
            return BankSources.FileShape(BankSourceKind.Npy, path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"memories: {e.Message}");
        }
    }

    private static BankSpec Parse(string source)
    {
        try
        {
            return BankAddress.ParseGenerated(source);
        }
        catch (FormatException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static Bank Generate(string source, ProceduralGenerator generator)
    {
        var spec = Parse(source) with { Generator = generator };
        if (spec.Rows * spec.Dim > Array.MaxLength)
            throw new CliUsageException($"memories: N × D = {spec.Rows * spec.Dim} exceeds one in-process block (use --storage procedural)");
        return BankSources.Load(spec);
    }
}
