using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

/// <summary>Deterministic test inputs.</summary>
internal static class CounterRngProxy
{
    public static double Gaussian(int i) => CounterRng.Gaussian(12345, (ulong)i, 0);
}
