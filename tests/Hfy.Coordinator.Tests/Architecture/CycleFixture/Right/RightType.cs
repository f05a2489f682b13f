using Hfy.Coordinator.Tests.Architecture.CycleFixture.Left;

namespace Hfy.Coordinator.Tests.Architecture.CycleFixture.Right;

/// <summary>Names <see cref="LeftType"/> only through <c>typeof</c> (a token in the IL): the edge Right → Left.</summary>
internal sealed class RightType
{
    public List<string> Items { get; } = [typeof(LeftType).Name];
}
