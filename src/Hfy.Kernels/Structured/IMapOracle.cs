namespace Hfy.Kernels.Structured;

/// <summary>
/// The MAP oracle of a structured family for SparseMAP (docs/math.md §2): structures are sets of "on"
/// unary variables y ∈ {0,1}^L (the part that the quadratic regularizer sees) plus a score part that the
/// regularizer does not see (e.g. a bonus per adjacent selected pair). A new structure family needs only
/// an oracle; <see cref="SparseMapSolver"/> does the rest.
/// </summary>
public interface IMapOracle
{
    /// <summary>Number of unary variables L.</summary>
    int Length { get; }

    /// <summary>
    /// Finds argmax_y Σ_{i∈y} η_i + <see cref="ExtraScore"/>(y) over the family.
    /// </summary>
    /// <param name="eta">Unary scores, length <see cref="Length"/>.</param>
    /// <param name="score">The maximal total score.</param>
    /// <returns>The structure: its "on" variables as strictly ascending indices (a new array the caller owns).</returns>
    int[] Maximize(ReadOnlySpan<double> eta, out double score);

    /// <summary>The score part of structure <paramref name="structure"/> that is not carried by its unary variables.</summary>
    double ExtraScore(ReadOnlySpan<int> structure);
}
