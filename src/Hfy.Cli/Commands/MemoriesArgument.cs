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
        if (BankAddress.IsGeneratedAddress(source)) return Generate(source);
        var m = JsonIo.ReadMatrix(source, "memories", "rows");
        JsonIo.RequireFinite(m, "memories");
        return new Bank(m.ToFloat(), m.Rows, m.Cols);
    }

    private static Bank Generate(string source)
    {
        BankSpec spec;
        try
        {
            spec = BankAddress.ParseGenerated(source);
        }
        catch (FormatException e)
        {
            throw new CliUsageException(e.Message);
        }
        if (spec.Rows * spec.Dim > Array.MaxLength) throw new CliUsageException($"memories: N × D = {spec.Rows * spec.Dim} exceeds one in-process block");
        return BankSources.Load(spec);
    }
}
