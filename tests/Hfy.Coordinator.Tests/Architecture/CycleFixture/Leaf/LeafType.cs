namespace Hfy.Coordinator.Tests.Architecture.CycleFixture.Leaf;

/// <summary>Used by the cycle but uses nothing back: it must not be reported as part of it.</summary>
internal static class LeafType
{
    public static int One => 1;
}
