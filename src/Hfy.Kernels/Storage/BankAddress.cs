using System.Globalization;

namespace Hfy.Kernels.Storage;

/// <summary>
/// The names of bank sources and the one parser of bank addresses: <c>gen:KIND:N:D[:SEED]</c> for a generated bank
/// and a file path whose format follows from its name (.npy, .csv, IDX). The CLI, the cluster engine and the
/// experiment specs all go through here, so a source name means the same thing everywhere.
/// </summary>
public static class BankAddress
{
    private static readonly (string Name, BankSourceKind Kind)[] Table =
    [
        ("sphere", BankSourceKind.Sphere), ("gaussian", BankSourceKind.Gaussian), ("binary", BankSourceKind.Binary),
        ("idx", BankSourceKind.Idx), ("npy", BankSourceKind.Npy), ("csv", BankSourceKind.Csv),
    ];

    /// <summary>The generator names (<c>normal</c> is accepted as an alias of <c>gaussian</c>).</summary>
    public static IReadOnlyList<string> GeneratorNames { get; } = ["sphere", "gaussian", "binary"];

    /// <summary>Every source name, generators first.</summary>
    public static IReadOnlyList<string> SourceNames { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The source kind of a name (case and surrounding space ignored), or null.</summary>
    public static BankSourceKind? ParseSource(string? name)
    {
        var n = name?.Trim().ToLowerInvariant();
        if (n == "normal") return BankSourceKind.Gaussian;
        foreach (var (s, k) in Table)
        {
            if (s == n) return k;
        }
        return null;
    }

    /// <summary>The name of a source kind, as <see cref="ParseSource"/> reads it.</summary>
    public static string Name(BankSourceKind kind) => Table.First(t => t.Kind == kind).Name;

    /// <summary>Whether rows of this kind are generated from (seed, row) rather than read from a file.</summary>
    public static bool IsGenerated(BankSourceKind kind) => kind is BankSourceKind.Sphere or BankSourceKind.Gaussian or BankSourceKind.Binary;

    /// <summary>Whether <paramref name="address"/> names a generated bank (<c>gen:…</c>).</summary>
    public static bool IsGeneratedAddress(string address) => address.StartsWith("gen:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>gen:KIND:N:D[:SEED]</c> into a bank spec named <paramref name="bankName"/>.</summary>
    /// <exception cref="FormatException">The address is malformed; the message names <paramref name="field"/> and the rule.</exception>
    public static BankSpec ParseGenerated(string address, string bankName = "cli", string field = "memories")
    {
        ArgumentNullException.ThrowIfNull(address);
        var parts = address.Split(':');
        if (parts.Length is < 4 or > 5 || !parts[0].Equals("gen", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"{field}: '{address}' must look like gen:KIND:N:D[:SEED] with KIND {string.Join(", ", GeneratorNames)}");
        if (ParseSource(parts[1]) is not { } kind || !IsGenerated(kind))
            throw new FormatException($"{field}: unknown generator '{parts[1]}'; expected {string.Join(", ", GeneratorNames)}");
        if (!long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new FormatException($"{field}: N must be an integer ≥ 1 (got '{parts[2]}')");
        if (!int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) || d < 1)
            throw new FormatException($"{field}: D must be an integer ≥ 1 (got '{parts[3]}')");
        var seed = 0UL;
        if (parts.Length == 5 && !ulong.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
            throw new FormatException($"{field}: SEED must be a non-negative integer (got '{parts[4]}')");
        return new BankSpec(bankName, n, d, kind, seed);
    }

    /// <summary>The file format a path names by its extension (.npy, .csv, IDX: .idx, .ubyte, .gz or "-ubyte"), or null.</summary>
    public static BankSourceKind? FileFormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => BankSourceKind.Npy,
            ".csv" => BankSourceKind.Csv,
            ".idx" or ".ubyte" or ".gz" => BankSourceKind.Idx,
            _ when path.Contains("-ubyte", StringComparison.OrdinalIgnoreCase) => BankSourceKind.Idx,
            _ => null,
        };
    }

    /// <summary>Every storage kind name (<see cref="BankStorage"/>).</summary>
    public static IReadOnlyList<string> StorageNames { get; } = ["auto", "resident", "half", "bits", "mapped", "procedural"];

    /// <summary>The storage kind named <paramref name="name"/> (case-insensitive; null or empty: auto), or null when unknown.</summary>
    public static BankStorage? ParseStorage(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return BankStorage.Auto;
        var i = StorageNames.ToList().IndexOf(name.Trim().ToLowerInvariant());
        return i < 0 ? null : (BankStorage)i;
    }

    /// <summary>The generator named <paramref name="name"/> (legacy or vector; null or empty: legacy), or null when unknown.</summary>
    public static ProceduralGenerator? ParseGenerator(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "legacy" => ProceduralGenerator.Legacy,
        "vector" => ProceduralGenerator.Vector,
        _ => null,
    };

    /// <summary>
    /// Why <paramref name="storage"/> cannot hold a bank of <paramref name="source"/> (null when it can): procedural needs a
    /// generator, mapped an .npy file, bits ±1 rows without normalization.
    /// </summary>
    public static string? StorageProblem(BankStorage storage, BankSourceKind source, bool normalized) => storage switch
    {
        BankStorage.Procedural when !IsGenerated(source) => $"procedural needs a generated source (sphere, gaussian, binary), not {Name(source)}",
        BankStorage.Mapped when source != BankSourceKind.Npy => $"mapped needs an .npy source, not {Name(source)}",
        BankStorage.Bits when source != BankSourceKind.Binary || normalized => $"bits needs a binary (±1) source without normalization",
        _ => null,
    };
}
