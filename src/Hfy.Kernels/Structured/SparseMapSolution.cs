namespace Hfy.Kernels.Structured;

/// <summary>
/// The answer of <see cref="SparseMapSolver"/>: unary marginals μ = Σ_s α_s 1_s, the active structures and
/// their weights α, and how the active-set method ended.
/// </summary>
public sealed class SparseMapSolution
{
    internal SparseMapSolution(double[] marginals, int[][] structures, double[] weights, int iterations,
        int oracleCalls, double gap, double tau, bool converged, double scale)
    {
        Marginals = marginals;
        Structures = structures;
        Weights = weights;
        Iterations = iterations;
        OracleCalls = oracleCalls;
        Gap = gap;
        Tau = tau;
        Converged = converged;
        Scale = scale;
    }

    /// <summary>Unary marginals μ_i ∈ [0, 1] of the selected state, one per oracle variable.</summary>
    public double[] Marginals { get; }

    /// <summary>The active structures (ascending variable indices), parallel to <see cref="Weights"/>.</summary>
    public IReadOnlyList<int[]> Structures { get; }

    /// <summary>Weights α_s &gt; 0 of the active structures; they sum to 1.</summary>
    public double[] Weights { get; }

    /// <summary>Active-set iterations, counted as the published AD3 code counts them: one per QP solve on a
    /// changed active set, one per oracle call that grows it.</summary>
    public int Iterations { get; }

    /// <summary>Number of MAP oracle calls (including the initial one and the final optimality check).</summary>
    public int OracleCalls { get; }

    /// <summary>Frank-Wolfe gap max_y ⟨∇, 1_y⟩ − Σ_s α_s ⟨∇, 1_s⟩ at the returned weights (≥ 0 up to rounding;
    /// ≤ the tolerance when <see cref="Converged"/>). By strong concavity ½‖μ − μ*‖² ≤ Gap.</summary>
    public double Gap { get; }

    /// <summary>The common value of the active structures at the last QP solve (the simplex multiplier).</summary>
    public double Tau { get; }

    /// <summary>True when no structure improves by more than the tolerance (the exact SparseMAP solution).</summary>
    public bool Converged { get; }

    /// <summary>Factor applied to θ and w before solving (1; ½ for the published formulation, see
    /// <see cref="SequentialKSubsets"/>): the VJP multiplies by it.</summary>
    public double Scale { get; }
}
