using Hfy.Kernels.Maps;
using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Dynamics;

/// <summary>Creates any map of a <see cref="MapSpec"/>, including sequential k-subsets (<see cref="SeqKSubsetsMap"/>).</summary>
/// <remarks>The contract says <see cref="MapFactory.Create"/> routes <see cref="MapKind.SeqKSubsets"/> to
/// <see cref="SeqKSubsetsMap"/>; until it does, the dynamics and the CLI create maps through here.</remarks>
public static class MapResolver
{
    /// <summary>The map for <paramref name="spec"/>.</summary>
    public static IMap Create(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind == MapKind.SeqKSubsets ? new SeqKSubsetsMap(spec) : MapFactory.Create(spec);
    }
}
