using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Learning.Associative;

/// <summary>
/// The normalising map of an association (docs/math.md §2), one score vector per query and head: the
/// engine's exact forward and VJP (<see cref="IMap"/>). k-subsets and sequential k-subsets over N ≤ k
/// instances select every instance (weights all 1, zero gradient), as the published <c>budget_bisect</c> does
/// for bags with at most k instances. Sequential k-subsets keeps each score vector's SparseMAP solution (per
/// <c>slot</c>) for its backward pass instead of solving again.
/// </summary>
public sealed class AssociationMap
{
    private readonly IMap _map;
    private readonly bool _budget;
    private readonly bool _sequential;
    private SparseMapSolution?[] _solutions = [];
    private long[] _positions = [];

    /// <summary>The map for a spec (validated by <see cref="MapFactory.Create"/>).</summary>
    public AssociationMap(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _map = MapFactory.Create(spec);
        Spec = spec;
        _budget = spec.Kind is MapKind.KSubsets or MapKind.SeqKSubsets;
        _sequential = spec.Kind is MapKind.SeqKSubsets;
    }

    /// <summary>The map's spec.</summary>
    public MapSpec Spec { get; }

    /// <summary>p = map(θ).</summary>
    public void Forward(ReadOnlySpan<double> theta, Span<double> p) => Forward(0, theta, p);

    /// <summary>p = map(θ) for score vector <paramref name="slot"/> of the current pass (its backward passes the same slot).</summary>
    public void Forward(int slot, ReadOnlySpan<double> theta, Span<double> p)
    {
        if (SelectsAll(theta.Length))
        {
            p.Fill(Spec.Normalize ? 1.0 / theta.Length : 1.0);
            return;
        }

        if (_sequential)
        {
            // Solved on every row (the candidate pruning of SeqKSubsetsMap gives the same marginals; bags are short).
            if (_positions.Length < theta.Length)
            {
                _positions = [.. Enumerable.Range(0, theta.Length).Select(i => (long)i)];
            }

            if (_solutions.Length <= slot)
            {
                Array.Resize(ref _solutions, Math.Max(slot + 1, 2 * _solutions.Length));
            }

            var solution = SequentialKSubsets.Solve(_positions.AsSpan(0, theta.Length), theta, (int)Spec.K, Spec.W, Spec.Compat);
            _solutions[slot] = solution;
            solution.Marginals.AsSpan(0, theta.Length).CopyTo(p);
            return;
        }

        _map.Forward(theta, p);
    }

    /// <summary>dθ = (∂p/∂θ)ᵀ dp at p = map(θ).</summary>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta) =>
        Backward(0, theta, p, dp, dtheta);

    /// <summary>dθ = (∂p/∂θ)ᵀ dp at p = map(θ) of <see cref="Forward(int, ReadOnlySpan{double}, Span{double})"/>'s <paramref name="slot"/>.</summary>
    public void Backward(int slot, ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        if (SelectsAll(theta.Length))
        {
            dtheta.Clear();
            return;
        }

        if (_sequential && slot < _solutions.Length && _solutions[slot] is { } solution && solution.Marginals.Length == theta.Length)
        {
            SequentialKSubsets.Backward(solution, dp, dtheta);
            return;
        }

        _map.Backward(theta, p, dp, dtheta);
    }

    private bool SelectsAll(int n) => _budget && n <= Spec.K;
}
