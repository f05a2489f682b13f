using Hfy.Kernels.Maps;

namespace Hfy.Learning.Associative;

/// <summary>
/// The normalising map of an association (docs/math.md §2), one score vector per query and head: the
/// engine's exact forward and VJP (<see cref="IMap"/>). k-subsets and sequential k-subsets over N ≤ k
/// instances select every instance (weights all 1, zero gradient), as the published <c>budget_bisect</c> does
/// for bags with at most k instances.
/// </summary>
public sealed class AssociationMap
{
    private readonly IMap _map;
    private readonly bool _budget;

    /// <summary>The map for a spec (validated by <see cref="MapFactory.Create"/>).</summary>
    public AssociationMap(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _map = MapFactory.Create(spec);
        Spec = spec;
        _budget = spec.Kind is MapKind.KSubsets or MapKind.SeqKSubsets;
    }

    /// <summary>The map's spec.</summary>
    public MapSpec Spec { get; }

    /// <summary>p = map(θ).</summary>
    public void Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        if (SelectsAll(theta.Length))
        {
            p.Fill(Spec.Normalize ? 1.0 / theta.Length : 1.0);
            return;
        }

        _map.Forward(theta, p);
    }

    /// <summary>dθ = (∂p/∂θ)ᵀ dp at p = map(θ).</summary>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        if (SelectsAll(theta.Length))
        {
            dtheta.Clear();
            return;
        }

        _map.Backward(theta, p, dp, dtheta);
    }

    private bool SelectsAll(int n) => _budget && n <= Spec.K;
}
