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
