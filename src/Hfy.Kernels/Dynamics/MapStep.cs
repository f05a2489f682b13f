using System.Diagnostics;
using System.Numerics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;

namespace Hfy.Kernels.Dynamics;

/// <summary>A map's output on a whole score vector, kept sparse: the rows with weight &gt; 0, ascending.</summary>
/// <param name="Ids">Rows with p_i &gt; 0, ascending.</param>
/// <param name="Weights">p_i at those rows.</param>
/// <param name="Tau">The map's threshold τ (NaN for maps without one).</param>
/// <param name="ConjugateValue">Ω*(θ) = θᵀp − Ω(p), the value of the regularized argmax (for the energy).</param>
/// <param name="Regularizer">Ω(p).</param>
public sealed record SparseWeights(int[] Ids, double[] Weights, double Tau, double ConjugateValue, double Regularizer = 0);

/// <summary>Reusable buffers for <see cref="MapStep"/> (one per thread).</summary>
public sealed class MapWorkspace
{
    internal List<int> Candidates { get; } = [];

    internal double[] Theta { get; private set; } = [];

    internal double[] P { get; private set; } = [];

    internal void Ensure(int n)
    {
        if (Theta.Length < n)
        {
            Theta = new double[n];
            P = new double[n];
        }
    }
}

/// <summary>
/// Applies a map ŷ_Ω to the scores of a whole bank, touching only the candidates that can carry weight.
/// </summary>
/// <remarks>
/// For a threshold map (<see cref="IThresholdMap"/>), scores at or below <c>SupportBound(anchor)</c> have weight 0
/// and do not move τ (docs/math.md §2: e.g. entmax's τ ≥ (α−1)max θ − 1), so the exact solver runs on the scores
/// strictly above the bound and its answer equals the solver on all N scores. Other maps (softmax, sequential
/// k-subsets) run on the full vector. −∞ scores (masked patterns) never become candidates.
/// </remarks>
public static class MapStep
{
    /// <summary>p = ŷ_Ω(θ) for float64 scores.</summary>
    public static SparseWeights Apply(IMap map, ReadOnlySpan<double> theta, MapWorkspace workspace)
    {
        var tm = ThresholdFor(map, workspace, theta.Length);
        if (tm is not null) Candidates.Above(theta, tm.SupportBound(Candidates.KthLargest(theta, tm.AnchorRank)), workspace.Candidates);
        return Gather(map, workspace, theta, useCandidates: tm is not null);
    }

    /// <summary>p = ŷ_Ω(θ) for float32 scores (the batch path); the map itself runs in float64.</summary>
    public static SparseWeights Apply(IMap map, ReadOnlySpan<float> theta, MapWorkspace workspace)
    {
        var tm = ThresholdFor(map, workspace, theta.Length);
        if (tm is not null)
        {
            var bound = tm.SupportBound(Candidates.KthLargest(theta, tm.AnchorRank));
            // The largest float ≤ bound: "s > fb" then selects exactly the floats s > bound.
            var fb = (float)bound;
            if (fb > bound) fb = MathF.BitDecrement(fb);
            Candidates.Above(theta, fb, workspace.Candidates);
        }
        return Gather(map, workspace, theta, useCandidates: tm is not null);
    }

    /// <summary>Checks the arguments, clears the candidates, and returns the map when a candidate bound applies to n scores.</summary>
    private static IThresholdMap? ThresholdFor(IMap map, MapWorkspace workspace, int n)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Candidates.Clear();
        return map is IThresholdMap tm && n >= tm.AnchorRank ? tm : null;
    }

    /// <summary>Copies the candidate scores (or all of them) into the workspace in float64 and solves there.</summary>
    private static SparseWeights Gather<T>(IMap map, MapWorkspace workspace, ReadOnlySpan<T> theta, bool useCandidates)
        where T : INumberBase<T>
    {
        var cands = workspace.Candidates;
        var m = useCandidates ? cands.Count : theta.Length;
        workspace.Ensure(m);
        for (var i = 0; i < m; i++) workspace.Theta[i] = double.CreateTruncating(theta[useCandidates ? cands[i] : i]);
        return Solve(map, workspace, m, useCandidates);
    }

    private static SparseWeights Solve(IMap map, MapWorkspace ws, int m, bool useCandidates)
    {
        var theta = ws.Theta.AsSpan(0, m);
        var p = ws.P.AsSpan(0, m);
        var tau = map.Forward(theta, p);
        var support = 0;
        for (var i = 0; i < m; i++)
        {
            if (p[i] > 0) support++;
        }
        var ids = new int[support];
        var weights = new double[support];
        var dot = 0.0;
        var j = 0;
        for (var i = 0; i < m; i++)
        {
            if (p[i] <= 0) continue;
            ids[j] = useCandidates ? ws.Candidates[i] : i;
            weights[j] = p[i];
            dot += theta[i] * p[i];
            j++;
        }
        Debug.Assert(j == support);
        var omega = map.Regularizer(p);
        return new SparseWeights(ids, weights, tau, dot - omega, omega);
    }
}
