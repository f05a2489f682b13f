namespace Hfy.Experiments;

/// <summary>What the engine that will run a spec can hold; the validator rejects specs beyond these.</summary>
/// <param name="MaxRows">Largest bank size N accepted.</param>
/// <param name="MemoryBudgetBytes">Memory available for one bank (rows × D × 4 bytes; banks are held one at a time).</param>
/// <param name="MaxCells">Largest number of cells one experiment may expand to.</param>
/// <param name="MaxQueries">Largest number of queries per cell.</param>
/// <param name="MaxSteps">Largest number of updates T.</param>
/// <param name="MaxBaselineRows">Largest N for the classical/DAM baselines, which run on the coordinator with the whole bank in memory.</param>
/// <param name="MaxRecallRows">Largest N for free-recall and sequential-recall cells, which run on one node and cost O(N²·D·T) each.</param>
public sealed record SpecLimits(
    long MaxRows = 10_000_000,
    long MemoryBudgetBytes = 4L << 30,
    int MaxCells = 100_000,
    int MaxQueries = 100_000,
    int MaxSteps = 10_000,
    long MaxBaselineRows = 1_000_000,
    long MaxRecallRows = 16_384)
{
    /// <summary>Defaults for one machine.</summary>
    public static SpecLimits Default { get; } = new();

    /// <summary>Limits from the memory a cluster reports (bytes free for banks over all bank nodes).</summary>
    public static SpecLimits ForMemory(long bytes) => new(MemoryBudgetBytes: bytes);
}
