using Hfy.Coordinator.Tests.Architecture.CycleFixture.Leaf;
using Hfy.Coordinator.Tests.Architecture.CycleFixture.Right;

namespace Hfy.Coordinator.Tests.Architecture.CycleFixture.Left;

/// <summary>Uses <see cref="RightType"/> only inside a method body, so only the IL shows the edge Left → Right.</summary>
internal static class LeftType
{
    public static int Count() => new RightType().Items.Count + LeafType.One;
}
