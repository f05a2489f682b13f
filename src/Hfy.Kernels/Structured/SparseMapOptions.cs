namespace Hfy.Kernels.Structured;

/// <summary>Stopping rules of the SparseMAP active-set method.</summary>
/// <param name="MaxIterations">Cap on active-set iterations (counted as in <see cref="SparseMapSolution.Iterations"/>).
/// The published code uses 10, which leaves the answer unconverged even at N = 5 (docs/math.md §2).</param>
/// <param name="Tolerance">Stop when no structure improves the objective's linearization by more than this
/// (plus the rounding of the scores' magnitude).</param>
public sealed record SparseMapOptions(int MaxIterations = 100_000, double Tolerance = 1e-9)
{
    /// <summary>Run to the exact solution (the default).</summary>
    public static SparseMapOptions Exact { get; } = new();

    /// <summary>The published code's behaviour: at most 10 active-set iterations.</summary>
    public static SparseMapOptions Published { get; } = new(MaxIterations: 10);
}
