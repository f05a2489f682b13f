using System.Globalization;

namespace Hfy.Kernels.Storage;

/// <summary>
/// Memory admission (docs/capacity.md, "storage kinds"): the bytes a node holds for a bank under its storage kind,
/// this process's memory budget, and the refusal that names both numbers when a bank or partition does not fit.
/// </summary>
public static class MemoryAdmission
{
    /// <summary>The environment variable that sets a node's memory budget in bytes (suffixes K, M, G, T: powers of 1024).</summary>
    public const string BudgetVariable = "HFY_MEMORY_BUDGET";

    /// <summary>
    /// This process's memory budget for banks: <see cref="BudgetVariable"/> when set, else ¾ of the memory the runtime
    /// may use (the machine's, or the container limit).
    /// </summary>
    /// <exception cref="ArgumentException">The variable is set but is not a positive size.</exception>
    public static long NodeBudget()
    {
        var text = Environment.GetEnvironmentVariable(BudgetVariable);
        if (!string.IsNullOrWhiteSpace(text))
        {
            return ParseBytes(text) ?? throw new ArgumentException($"{BudgetVariable}: must be a positive size in bytes, e.g. 2147483648 or 2G (got '{text}')");
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4 * 3;
    }

    /// <summary>Parses "123", "64M", "2G", "1.5T" (powers of 1024); null when not a positive size.</summary>
    public static long? ParseBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length == 0) return null;
        var scale = char.ToUpperInvariant(t[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1L };
        if (scale > 1) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0) || v * scale > long.MaxValue) return null;
        return (long)(v * scale);
    }

    /// <summary>
    /// Null when <paramref name="rows"/> rows of the bank fit <paramref name="budget"/> bytes; else one line naming the
    /// bytes needed, the budget, and the storage kinds that would fit.
    /// </summary>
    public static string? Refusal(BankSpec spec, long rows, long budget, string what = "bank")
    {
        ArgumentNullException.ThrowIfNull(spec);
        var need = BankSources.ResidentBytes(spec, rows);
        if (need <= budget) return null;
        var kind = spec.Storage == BankStorage.Auto ? "resident" : spec.Storage.ToString().ToLowerInvariant();
        var hint = BankAddress.IsGenerated(spec.Source) ? "procedural (O(1) memory) or half"
            : spec.Source == BankSourceKind.Npy ? "mapped (the OS pages the file) or half"
            : "half, or convert the file to .npy and map it";
        return $"{what} '{spec.Name}': {rows:N0} rows × D = {spec.Dim} as {kind} storage need {Format(need)}, over the memory budget of {Format(budget)}; use storage {hint}, or raise {BudgetVariable}";
    }

    /// <summary>Bytes in binary units (KiB, MiB, GiB), two decimals.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.00} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.00} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.00} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
