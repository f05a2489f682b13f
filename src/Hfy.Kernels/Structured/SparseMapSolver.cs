using System.Diagnostics;

namespace Hfy.Kernels.Structured;

/// <summary>
/// SparseMAP by the active-set method (docs/math.md §2, sequential k-subsets):
/// maximize Σ_s α_s (θᵀ1_s + extra_s) − ½‖Σ_s α_s 1_s‖² over distributions α on the oracle's structures,
/// i.e. μ = argmax_{μ ∈ conv} θᵀμ + (extra scores) − ½‖μ‖².
/// </summary>
/// <remarks>
/// The loop follows the published AD3 active-set method (and counts iterations the same way, so the
/// published 10-iteration cap can be reproduced): start from the MAP structure; on a changed active set,
/// solve the equality-constrained QP on its affine hull (a small dense KKT system) and step towards it,
/// dropping the first structure whose weight would turn negative; once the weights are stationary, call
/// the oracle on θ − μ and add the structure it returns, or stop when it improves by no more than the
/// tolerance. Unlike AD3, a structure that would make the active set affinely dependent is added by
/// moving along the null direction of the hull (the objective grows linearly along it) until a weight
/// reaches zero, so the active set stays affinely independent and the KKT system non-singular.
/// </remarks>
public static class SparseMapSolver
{
    /// <summary>Solves SparseMAP for scores <paramref name="theta"/> over the oracle's structures.</summary>
    /// <param name="oracle">The structure family's MAP oracle.</param>
    /// <param name="theta">Unary scores, length <see cref="IMapOracle.Length"/>; finite.</param>
    /// <param name="options">Stopping rules; <see cref="SparseMapOptions.Exact"/> when null.</param>
    public static SparseMapSolution Solve(IMapOracle oracle, ReadOnlySpan<double> theta, SparseMapOptions? options = null) =>
        Solve(oracle, theta, options ?? SparseMapOptions.Exact, scale: 1);

    internal static SparseMapSolution Solve(IMapOracle oracle, ReadOnlySpan<double> theta, SparseMapOptions options, double scale)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        ArgumentNullException.ThrowIfNull(options);
        int length = oracle.Length;
        if (theta.Length != length)
            throw new ArgumentException($"theta: length {theta.Length} differs from the oracle's {length}", nameof(theta));
        if (options.MaxIterations < 1)
            throw new ArgumentException($"options: MaxIterations must be ≥ 1 (got {options.MaxIterations})", nameof(options));
        for (int i = 0; i < length; i++)
        {
            if (!double.IsFinite(theta[i]))
                throw new ArgumentException($"theta: entries must be finite (theta[{i}] = {theta[i]})", nameof(theta));
        }

        var structures = new List<int[]>();
        var extra = new List<double>();
        var alpha = new List<double>();
        var mu = new double[length];
        var eta = new double[length];

        int oracleCalls = 1;
        int[] first = oracle.Maximize(theta, out _);
        structures.Add(first);
        extra.Add(oracle.ExtraScore(first));
        alpha.Add(1);

        bool changed = true, converged = false;
        double tau = double.NaN;
        double gap = double.NaN;
        int iterations = 0;
        int[]? lastAdded = null;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            if (changed)
            {
                // QP on the affine hull of the active set: G z + τ1 = b, 1ᵀz = 1, b_s = θᵀ1_s + extra_s.
                int n = structures.Count;
                var gram = DenseKkt.Gram(structures);
                var b = new double[n];
                for (int s = 0; s < n; s++) b[s] = Score(theta, structures[s], extra[s]);
                var z = new double[n];
                if (!DenseKkt.TrySolve(gram, n, b, 1, z, out tau))
                    throw new InvalidOperationException("SparseMAP: the active set became affinely dependent (numerical breakdown)");

                // Ratio test (AD3): step from α towards z; the first weight to reach zero leaves.
                int blocking = -1;
                bool existBlocking = false;
                double step = 1;
                for (int s = 0; s < n; s++)
                {
                    if (z[s] >= alpha[s]) continue;
                    if (z[s] < 0) existBlocking = true;
                    double r = alpha[s] / (alpha[s] - z[s]);
                    if (blocking < 0 || r < step) { step = r; blocking = s; }
                }
                if (!existBlocking)
                {
                    for (int s = 0; s < n; s++) alpha[s] = z[s];
                    changed = false;
                }
                else
                {
                    for (int s = 0; s < n; s++) alpha[s] = Math.Max(0, alpha[s] + step * (z[s] - alpha[s]));
                    RemoveAt(structures, extra, alpha, blocking);
                    changed = true;
                }
            }
            else
            {
                Marginals(structures, alpha, mu);
                for (int i = 0; i < length; i++) eta[i] = theta[i] - mu[i];
                int[] y = oracle.Maximize(eta, out double value);
                oracleCalls++;
                double current = CurrentValue(eta, structures, extra, alpha);
                gap = value - current;
                if (gap <= Tolerance(options, value, current) || Contains(structures, y) || SameStructure(y, lastAdded))
                {
                    converged = true;
                    break;
                }
                Add(structures, extra, alpha, y, oracle.ExtraScore(y), gap);
                lastAdded = y;
                changed = true;
            }
        }

        Marginals(structures, alpha, mu);
        if (!converged)
        {
            // Capped: report the Frank-Wolfe gap of the weights we return (does not change them).
            for (int i = 0; i < length; i++) eta[i] = theta[i] - mu[i];
            oracle.Maximize(eta, out double value);
            oracleCalls++;
            gap = value - CurrentValue(eta, structures, extra, alpha);
        }

        // Drop structures whose weight is exactly zero after a capped partial step; renormalize rounding.
        double total = 0;
        for (int s = 0; s < alpha.Count; s++) total += alpha[s];
        var keptStructures = new List<int[]>();
        var keptWeights = new List<double>();
        for (int s = 0; s < alpha.Count; s++)
        {
            if (alpha[s] <= 0) continue;
            keptStructures.Add(structures[s]);
            keptWeights.Add(alpha[s] / total);
        }
        return new SparseMapSolution(mu, [.. keptStructures], [.. keptWeights], iterations, oracleCalls,
            gap, tau, converged, scale);
    }

    /// <summary>
    /// Vector-Jacobian product of the SparseMAP marginals through the final active set:
    /// dθ = scale · M Q Mᵀ dμ, with M the active structures' indicators and Q the G-block of the inverse of
    /// the KKT matrix [G 1; 1ᵀ 0] (the Jacobian of the QP on the active set's affine hull).
    /// </summary>
    /// <param name="solution">A solution returned by <see cref="Solve(IMapOracle, ReadOnlySpan{double}, SparseMapOptions?)"/>.</param>
    /// <param name="dmu">Incoming gradient with respect to the marginals.</param>
    /// <param name="dtheta">Output gradient with respect to θ (same length).</param>
    public static void Backward(SparseMapSolution solution, ReadOnlySpan<double> dmu, Span<double> dtheta) =>
        Backward(solution, dmu, dtheta, structureGradient: default);

    /// <summary>
    /// As <see cref="Backward(SparseMapSolution, ReadOnlySpan{double}, Span{double})"/>, also writing
    /// <paramref name="structureGradient"/>[s] = scale · (Q Mᵀ dμ)_s, the gradient with respect to the extra score
    /// of active structure s (e.g. dw = Σ_s structureGradient[s] · pairs_s for a pair bonus w).
    /// </summary>
    public static void Backward(SparseMapSolution solution, ReadOnlySpan<double> dmu, Span<double> dtheta, Span<double> structureGradient)
    {
        ArgumentNullException.ThrowIfNull(solution);
        int length = solution.Marginals.Length;
        if (dmu.Length != length) throw new ArgumentException($"dmu: length must be {length}", nameof(dmu));
        if (dtheta.Length != length) throw new ArgumentException($"dtheta: length must be {length}", nameof(dtheta));
        var structures = solution.Structures;
        int n = structures.Count;
        var r = new double[n];
        for (int s = 0; s < n; s++)
        {
            double sum = 0;
            foreach (int i in structures[s]) sum += dmu[i];
            r[s] = sum;
        }
        var x = new double[n];
        if (!DenseKkt.TrySolve(DenseKkt.Gram(structures), n, r, 0, x, out _))
            throw new InvalidOperationException("SparseMAP backward: the active set is affinely dependent");
        if (!structureGradient.IsEmpty && structureGradient.Length != n)
            throw new ArgumentException($"structureGradient: length must be the number of active structures ({n})", nameof(structureGradient));
        dtheta.Clear();
        for (int s = 0; s < n; s++)
        {
            double v = solution.Scale * x[s];
            foreach (int i in structures[s]) dtheta[i] += v;
            if (!structureGradient.IsEmpty) structureGradient[s] = v;
        }
    }

    private static double Tolerance(SparseMapOptions options, double value, double current) =>
        // The scores' own rounding: with w = 1e8 (sequential recall) values are ~1e8 and 1e-9 is below ulp.
        options.Tolerance + 1e-14 * (Math.Abs(value) + Math.Abs(current));

    private static double Score(ReadOnlySpan<double> theta, int[] structure, double extra)
    {
        double sum = extra;
        foreach (int i in structure) sum += theta[i];
        return sum;
    }

    private static double CurrentValue(ReadOnlySpan<double> eta, List<int[]> structures, List<double> extra, List<double> alpha)
    {
        double sum = 0;
        for (int s = 0; s < structures.Count; s++) sum += alpha[s] * Score(eta, structures[s], extra[s]);
        return sum;
    }

    private static void Marginals(List<int[]> structures, List<double> alpha, double[] mu)
    {
        Array.Clear(mu);
        for (int s = 0; s < structures.Count; s++)
        {
            double a = alpha[s];
            foreach (int i in structures[s]) mu[i] += a;
        }
    }

    private static void Add(List<int[]> structures, List<double> extra, List<double> alpha, int[] y, double extraY, double gap)
    {
        int n = structures.Count;
        var gram = DenseKkt.Gram(structures);
        var cross = new double[n];
        for (int s = 0; s < n; s++) cross[s] = DenseKkt.Overlap(structures[s], y);
        var lambda = new double[n];
        bool solved = DenseKkt.TrySolve(gram, n, cross, 1, lambda, out double nu);
        Debug.Assert(solved, "the active set is kept affinely independent");
        // Squared distance from 1_y to the affine hull of the active set.
        double residual = y.Length - nu;
        for (int s = 0; s < n; s++) residual -= lambda[s] * cross[s];
        if (solved && residual <= 1e-9 * Math.Max(1, y.Length))
        {
            // 1_y = Σ λ_s 1_s with Σλ = 1: along d = (−λ, +1) the marginals do not move and the objective
            // grows at rate gap > 0, so move until the first weight reaches zero and drop that structure.
            int blocking = -1;
            double step = double.PositiveInfinity;
            for (int s = 0; s < n; s++)
            {
                if (lambda[s] <= 0) continue;
                double r = alpha[s] / lambda[s];
                if (r < step) { step = r; blocking = s; }
            }
            Debug.Assert(blocking >= 0 && gap > 0);
            for (int s = 0; s < n; s++) alpha[s] = Math.Max(0, alpha[s] - step * lambda[s]);
            structures.Add(y);
            extra.Add(extraY);
            alpha.Add(step);
            RemoveAt(structures, extra, alpha, blocking);
        }
        else
        {
            structures.Add(y);
            extra.Add(extraY);
            alpha.Add(0);
        }
    }

    private static void RemoveAt(List<int[]> structures, List<double> extra, List<double> alpha, int index)
    {
        structures.RemoveAt(index);
        extra.RemoveAt(index);
        alpha.RemoveAt(index);
    }

    private static bool Contains(List<int[]> structures, int[] y)
    {
        foreach (var s in structures)
        {
            if (SameStructure(s, y)) return true;
        }
        return false;
    }

    private static bool SameStructure(int[] a, int[]? b) => b is not null && a.AsSpan().SequenceEqual(b);
}
