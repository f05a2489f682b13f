using Hfy.Kernels.Storage;

namespace Hfy.Experiments;

/// <summary>What the engine that will run a spec can hold; the validator rejects specs beyond these.</summary>
/// <param name="MaxRows">Largest bank size N accepted when its rows are held in memory (storage auto, resident, half, bits).</param>
/// <param name="MemoryBudgetBytes">Memory available for one bank (its bytes under its storage kind: <see cref="MemoryAdmission"/>; banks are held one at a time).</param>
/// <param name="MaxCells">Largest number of cells one experiment may expand to.</param>
/// <param name="MaxQueries">Largest number of queries per cell.</param>
/// <param name="MaxSteps">Largest number of updates T.</param>
/// <param name="MaxBaselineRows">Largest N for the classical/DAM baselines, which run on the coordinator with the whole bank in memory.</param>
/// <param name="MaxRecallRows">Largest N for free-recall and sequential-recall cells, which run on one node and cost O(N²·D·T) each.</param>
/// <param name="MaxSpecBytes">Largest spec document accepted from a file (<c>hfy run</c>); the API has its own body limit.</param>
/// <param name="MaxNameLength">Longest experiment name, characters.</param>
/// <param name="MaxCsvBytes">Largest CSV bank file (CSV is parsed whole, in memory, to learn its shape).</param>
/// <param name="DataRoots">
/// Directories file sources must lie in (after resolving symbolic links and <c>..</c>), or null for no confinement.
/// The coordinator always sets them (its data directory, or <c>HFY_DATA_ROOTS</c>): a spec arriving over the API
/// cannot make it read any other file.
/// </param>
public sealed record SpecLimits(
    long MaxRows = 10_000_000,
    long MemoryBudgetBytes = 4L << 30,
    int MaxCells = 100_000,
    int MaxQueries = 100_000,
    int MaxSteps = 10_000,
    long MaxBaselineRows = 1_000_000,
    long MaxRecallRows = 16_384,
    long MaxSpecBytes = 16L << 20,
    int MaxNameLength = 200,
    long MaxCsvBytes = 1L << 30,
    IReadOnlyList<string>? DataRoots = null)
{
    /// <summary>Largest bank size N accepted for streamed storage (procedural, mapped): the rows cost no memory, only time.</summary>
    public long MaxStreamedRows { get; init; } = 100_000_000_000;

    /// <summary>The row limit of a bank: <see cref="MaxStreamedRows"/> when streamed, else <see cref="MaxRows"/>.</summary>
    public long RowLimit(bool streamed) => streamed ? MaxStreamedRows : MaxRows;

    /// <summary>Defaults for one machine.</summary>
    public static SpecLimits Default { get; } = new();

    /// <summary>Limits from the memory a cluster reports (bytes free for banks over all bank nodes).</summary>
    public static SpecLimits ForMemory(long bytes) => new(MemoryBudgetBytes: bytes);
}

/// <summary>
/// Resolves paths the way the kernel will when it opens them (every symbolic link followed, <c>..</c> taken
/// physically after the link it follows) and tells whether the result lies inside a set of directories.
/// </summary>
public static class DataRoots
{
    private const int MaxLinks = 40;

    /// <summary>The physical absolute path of <paramref name="path"/> (like POSIX <c>realpath</c>; missing parts are kept as written).</summary>
    /// <exception cref="IOException">More than 40 symbolic links were followed (a loop).</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path);
        var links = 0;
        return Walk(full, ref links);
    }

    /// <summary>True when the resolved <paramref name="path"/> is one of <paramref name="roots"/> (resolved) or lies below one.</summary>
    public static bool IsInside(string path, IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var resolved = Resolve(path);
        return roots.Select(Resolve).Any(root =>
        {
            var r = root.EndsWith(System.IO.Path.DirectorySeparatorChar) ? root : root + System.IO.Path.DirectorySeparatorChar;
            return resolved.StartsWith(r, StringComparison.Ordinal) || resolved + System.IO.Path.DirectorySeparatorChar == r;
        });
    }

    private static string Walk(string full, ref int links)
    {
        var root = System.IO.Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? root;
                continue;
            }

            var next = System.IO.Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks) throw new IOException($"{next}: too many levels of symbolic links");
            // The link's target replaces it: an absolute target restarts from the root, a relative one from its directory.
            if (System.IO.Path.IsPathRooted(target)) current = System.IO.Path.GetPathRoot(target)!;
            foreach (var t in target[(System.IO.Path.IsPathRooted(target) ? System.IO.Path.GetPathRoot(target)!.Length : 0)..]
                         .Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(t);
            }
        }

        return current;
    }
}
