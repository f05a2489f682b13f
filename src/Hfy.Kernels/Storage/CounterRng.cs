using System.Runtime.CompilerServices;

namespace Hfy.Kernels.Storage;

/// <summary>
/// A counter-based random number generator: every value is a pure function of (seed, row, column),
/// so any node can regenerate any row range of a bank without generating the rows before it.
/// </summary>
/// <remarks>
/// The key (seed, row, column) is mixed with three rounds of the SplitMix64 finalizer; SplitMix64's
/// finalizer passes BigCrush on a counter, and chaining it over the three words decorrelates
/// neighbouring rows and columns. Not cryptographic.
/// </remarks>
public static class CounterRng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>64 random bits for (seed, row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Bits(ulong seed, ulong row, ulong column)
    {
        var h = Mix(seed + Golden);
        h = Mix(h ^ (row * Golden + 0x632BE59BD9B4E019UL));
        return Mix(h ^ (column * 0xD1B54A32D192ED03UL + Golden));
    }

    /// <summary>A uniform double in (0, 1) (never 0, so log is finite) for (seed, row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Uniform(ulong seed, ulong row, ulong column) =>
        ((Bits(seed, row, column) >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>A standard normal N(0, 1) for (seed, row, column) (Box–Muller on two independent 32-bit halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Gaussian(ulong seed, ulong row, ulong column)
    {
        var bits = Bits(seed, row, column);
        var u1 = ((bits >> 32) + 0.5) * (1.0 / 4294967296.0);
        var u2 = ((bits & 0xFFFFFFFFUL) + 0.5) * (1.0 / 4294967296.0);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
