using System.Globalization;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Commands;

/// <summary>The <c>--memories</c> argument shared by <c>hfy retrieve</c> and <c>hfy recall</c>: a matrix file
/// (.npy, CSV, IDX, JSON <c>{"rows": …}</c>) or a generated bank <c>gen:KIND:N:D[:SEED]</c>.</summary>
internal static class MemoriesArgument
{
    /// <summary>Reads or generates the bank; bad input is a <see cref="CliUsageException"/> naming <c>memories</c>.</summary>
    public static Bank Read(string? source)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new CliUsageException("memories: required (a file or gen:KIND:N:D[:SEED])");
        if (source.StartsWith("gen:", StringComparison.OrdinalIgnoreCase)) return Generate(source);
        var m = JsonIo.ReadMatrix(source, "memories", "rows");
        JsonIo.RequireFinite(m, "memories");
        return new Bank(m.ToFloat(), m.Rows, m.Cols);
    }

    private static Bank Generate(string source)
    {
        var parts = source.Split(':');
        if (parts.Length is < 4 or > 5)
            throw new CliUsageException($"memories: '{source}' must look like gen:KIND:N:D[:SEED] with KIND gaussian, sphere or binary");
        var kind = parts[1].ToLowerInvariant() switch
        {
            "gaussian" or "normal" => BankSourceKind.Gaussian,
            "sphere" => BankSourceKind.Sphere,
            "binary" => BankSourceKind.Binary,
            _ => throw new CliUsageException($"memories: unknown generator '{parts[1]}'; expected gaussian, sphere or binary"),
        };
        if (!int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new CliUsageException($"memories: N must be an integer ≥ 1 (got '{parts[2]}')");
        if (!int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) || d < 1)
            throw new CliUsageException($"memories: D must be an integer ≥ 1 (got '{parts[3]}')");
        var seed = 0UL;
        if (parts.Length == 5 && !ulong.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
            throw new CliUsageException($"memories: SEED must be a non-negative integer (got '{parts[4]}')");
        if ((long)n * d > Array.MaxLength) throw new CliUsageException($"memories: N × D = {(long)n * d} exceeds one in-process block");
        return BankSources.Load(new BankSpec("cli", n, d, kind, seed));
    }
}
