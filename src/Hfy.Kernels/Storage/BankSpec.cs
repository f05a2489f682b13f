namespace Hfy.Kernels.Storage;

/// <summary>Where a bank's rows come from.</summary>
public enum BankSourceKind
{
    /// <summary>Seeded i.i.d. N(0, 1) entries (row i depends only on (seed, i)).</summary>
    Gaussian,
    /// <summary>Seeded uniform on the unit sphere in R^D.</summary>
    Sphere,
    /// <summary>Seeded ±1 entries.</summary>
    Binary,
    /// <summary>A 2-D .npy file (float32 or float64, C order).</summary>
    Npy,
    /// <summary>An IDX file as used by MNIST-style datasets (gzipped or not), scaled to [−1, 1].</summary>
    Idx,
    /// <summary>A CSV file, one row per pattern.</summary>
    Csv,
}

/// <summary>Normalization applied to every row when it is materialized (ℓ2 and layer-norm retrieval modes).</summary>
public enum RowNormalization
{
    /// <summary>Rows as stored.</summary>
    None,
    /// <summary>x / ‖x‖₂.</summary>
    L2,
    /// <summary>√D (x − mean x) / ‖x − mean x‖ (layer norm without affine part, eps 1e-5).</summary>
    LayerNorm,
}

/// <summary>How a node holds a bank's rows (<see cref="BankSources.OpenStore(BankSpec)"/>; docs/capacity.md, "storage kinds").</summary>
public enum BankStorage
{
    /// <summary>Resident float32 when the bank fits one array (≤ 2³¹ floats), else procedural (generated) or memory-mapped (.npy).</summary>
    Auto,
    /// <summary>float32 in process memory, segmented beyond one array (no 4 GiB cap).</summary>
    Resident,
    /// <summary>float16 in process memory (half the bytes), scored in float32.</summary>
    Half,
    /// <summary>±1 rows packed 64 per word (binary banks without normalization only); scores exact integers.</summary>
    Bits,
    /// <summary>A memory-mapped float32 .npy file, paged in by the OS (larger than memory is fine).</summary>
    Mapped,
    /// <summary>Generated banks: nothing stored, row i regenerated from (seed, i) when scored (O(1) memory).</summary>
    Procedural,
}

/// <summary>
/// A bank described by a spec, so any node can rebuild any row range of it: rows N, dimension D and a
/// source. For generated sources row i depends only on (Seed, i); for files, Offset skips leading rows.
/// </summary>
/// <param name="Name">Unique bank name.</param>
/// <param name="Rows">Number of patterns N.</param>
/// <param name="Dim">Pattern dimension D.</param>
/// <param name="Source">Generator or file format.</param>
/// <param name="Seed">Generator seed.</param>
/// <param name="Path">File path for file sources.</param>
/// <param name="Offset">First row of the file that is row 0 of the bank.</param>
/// <param name="Normalization">Row normalization applied on materialization.</param>
/// <param name="Storage">How nodes hold the rows (the rows' values do not depend on it, up to float16 rounding for <see cref="BankStorage.Half"/>).</param>
/// <param name="Generator">Generated sources: which counter-based generator makes row i (the legacy one is 20 × slower, the default for compatibility).</param>
public sealed record BankSpec(
    string Name,
    long Rows,
    int Dim,
    BankSourceKind Source,
    ulong Seed = 0,
    string? Path = null,
    long Offset = 0,
    RowNormalization Normalization = RowNormalization.None,
    BankStorage Storage = BankStorage.Auto,
    ProceduralGenerator Generator = ProceduralGenerator.Legacy);
