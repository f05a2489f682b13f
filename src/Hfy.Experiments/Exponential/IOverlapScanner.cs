using Hfy.Kernels.Measurement;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Exponential;

/// <summary>
/// The measurement path of the exponential experiment: top-two overlaps ξ_i·v of many vectors over a bank's rows. The one
/// seam to swap when banks come from a procedural store or a fused batched scoring kernel.
/// </summary>
public interface IOverlapScanner
{
    /// <summary>Top two of ξ_i·v_k over the bank's rows (as the engine holds them: the spec's row normalization applied) for <paramref name="count"/> vectors (row-major).</summary>
    TopTwo[] Scan(BankSpec bank, ReadOnlySpan<double> vectors, int count);
}

/// <summary><see cref="IOverlapScanner"/> by <see cref="TopOverlapScan"/> over the bank's rows regenerated (or read) in blocks: O(block) memory.</summary>
/// <param name="MaxDegreeOfParallelism">Worker threads (−1: the runtime's choice).</param>
public sealed record RowSourceOverlapScanner(int MaxDegreeOfParallelism = -1) : IOverlapScanner
{
    /// <inheritdoc />
    public TopTwo[] Scan(BankSpec bank, ReadOnlySpan<double> vectors, int count)
        => TopOverlapScan.Scan(new BankSpecRowSource(bank), vectors, count, maxDegreeOfParallelism: MaxDegreeOfParallelism);
}

/// <summary>
/// <see cref="IOverlapScanner"/> by one fused pass over the bank as a store (<see cref="TopOverlapScan.Scan(IPatternStore, ReadOnlySpan{double}, int)"/>):
/// generated banks are procedural (rows generated per tile in cache, O(1) memory, the same bits as the materialized rows),
/// every vector is scored per tile by the fused microkernel, and the answer equals <see cref="RowSourceOverlapScanner"/>'s.
/// </summary>
public sealed record FusedOverlapScanner : IOverlapScanner
{
    /// <inheritdoc />
    public TopTwo[] Scan(BankSpec bank, ReadOnlySpan<double> vectors, int count)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var store = BankAddress.IsGenerated(bank.Source) ? BankSources.OpenStore(bank with { Storage = BankStorage.Procedural }) : BankSources.OpenStore(bank);
        try
        {
            return TopOverlapScan.Scan(store, vectors, count);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
