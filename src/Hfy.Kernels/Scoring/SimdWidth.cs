using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// The vector operations of the register-blocked scoring kernels (float32) and of the softmax weights (float64,
/// <see cref="SoftmaxLanes"/>), written once for both widths and both element types: TV is Vector512&lt;T&gt; (AVX-512)
/// or Vector256&lt;T&gt; (AVX2). A generic kernel over struct T and TV is compiled once per (T, TV) and every typeof test
/// below is a constant in that compilation, so each call inlines to the bare instruction: no indirect calls, and a
/// kernel's named accumulators are plain vector locals that stay in registers.
/// <para>
/// Each operation is one expression over the JIT's intrinsics (typeof test, bit cast, vector op) and calls no helper of
/// its own: a kernel inlines dozens of these, and a version with nested helpers (a Wide property, cast methods)
/// exhausted the JIT's inlining budget, leaving calls in the loop (measured: the softmax step at half speed). .NET 10
/// keeps the runtime's own ISimdVector interface internal, hence the one branch per operation.
/// </para>
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">Vector512&lt;T&gt; or Vector256&lt;T&gt;.</typeparam>
internal static unsafe class Simd<T, TV>
    where T : unmanaged
    where TV : struct
{
    /// <summary>Lanes per vector.</summary>
    public static int Lanes => typeof(TV) == typeof(Vector512<T>) ? Vector512<T>.Count : Vector256<T>.Count;

    /// <summary>Loads <see cref="Lanes"/> elements from <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Load(T* p) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.Load(p))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.Load(p));

    /// <summary>Stores <paramref name="v"/> at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(TV v, T* p)
    {
        if (typeof(TV) == typeof(Vector512<T>)) Unsafe.BitCast<TV, Vector512<T>>(v).Store(p);
        else Unsafe.BitCast<TV, Vector256<T>>(v).Store(p);
    }

    /// <summary>All lanes = <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Broadcast(T x) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.Create(x))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.Create(x));

    /// <summary>
    /// a · b + c in the width's fixed form: one fused multiply-add with AVX-512 (FusedMultiplyAdd), the estimate form
    /// with AVX2 (an FMA where the CPU has one). Every kernel of a width uses this one form, so fused and unfused
    /// scores are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV MulAdd(TV a, TV b, TV c)
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            return Unsafe.BitCast<Vector512<float>, TV>(Vector512.FusedMultiplyAdd(
                Unsafe.BitCast<TV, Vector512<float>>(a), Unsafe.BitCast<TV, Vector512<float>>(b), Unsafe.BitCast<TV, Vector512<float>>(c)));
        }

        if (typeof(TV) == typeof(Vector512<double>))
        {
            return Unsafe.BitCast<Vector512<double>, TV>(Vector512.FusedMultiplyAdd(
                Unsafe.BitCast<TV, Vector512<double>>(a), Unsafe.BitCast<TV, Vector512<double>>(b), Unsafe.BitCast<TV, Vector512<double>>(c)));
        }

        if (typeof(TV) == typeof(Vector256<float>))
        {
            return Unsafe.BitCast<Vector256<float>, TV>(Vector256.MultiplyAddEstimate(
                Unsafe.BitCast<TV, Vector256<float>>(a), Unsafe.BitCast<TV, Vector256<float>>(b), Unsafe.BitCast<TV, Vector256<float>>(c)));
        }

        return Unsafe.BitCast<Vector256<double>, TV>(Vector256.MultiplyAddEstimate(
            Unsafe.BitCast<TV, Vector256<double>>(a), Unsafe.BitCast<TV, Vector256<double>>(b), Unsafe.BitCast<TV, Vector256<double>>(c)));
    }

    /// <summary>Lane-wise a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Add(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Unsafe.BitCast<TV, Vector512<T>>(a) + Unsafe.BitCast<TV, Vector512<T>>(b))
        : Unsafe.BitCast<Vector256<T>, TV>(Unsafe.BitCast<TV, Vector256<T>>(a) + Unsafe.BitCast<TV, Vector256<T>>(b));

    /// <summary>Lane-wise a − b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sub(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Unsafe.BitCast<TV, Vector512<T>>(a) - Unsafe.BitCast<TV, Vector512<T>>(b))
        : Unsafe.BitCast<Vector256<T>, TV>(Unsafe.BitCast<TV, Vector256<T>>(a) - Unsafe.BitCast<TV, Vector256<T>>(b));

    /// <summary>Lane-wise a · b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Mul(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Unsafe.BitCast<TV, Vector512<T>>(a) * Unsafe.BitCast<TV, Vector512<T>>(b))
        : Unsafe.BitCast<Vector256<T>, TV>(Unsafe.BitCast<TV, Vector256<T>>(a) * Unsafe.BitCast<TV, Vector256<T>>(b));

    /// <summary>Bitwise a | b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Or(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Unsafe.BitCast<TV, Vector512<T>>(a) | Unsafe.BitCast<TV, Vector512<T>>(b))
        : Unsafe.BitCast<Vector256<T>, TV>(Unsafe.BitCast<TV, Vector256<T>>(a) | Unsafe.BitCast<TV, Vector256<T>>(b));

    /// <summary>Lane-wise min(a, b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Min(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.Min(Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b)))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.Min(Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b)));

    /// <summary>Lane-wise max(a, b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Max(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.Max(Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b)))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.Max(Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b)));

    /// <summary>All-ones lanes where a &gt; b, else zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV GreaterThan(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.GreaterThan(Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b)))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.GreaterThan(Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b)));

    /// <summary>Bitwise: mask ? a : b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Select(TV mask, TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<Vector512<T>, TV>(Vector512.ConditionalSelect(
            Unsafe.BitCast<TV, Vector512<T>>(mask), Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b)))
        : Unsafe.BitCast<Vector256<T>, TV>(Vector256.ConditionalSelect(
            Unsafe.BitCast<TV, Vector256<T>>(mask), Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b)));

    /// <summary>Bit i set where lane i of a is greater than lane i of b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GreaterThanBits(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Vector512.GreaterThan(Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b)).ExtractMostSignificantBits()
        : Vector256.GreaterThan(Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b)).ExtractMostSignificantBits();

    /// <summary>Whether every lane of a is ≤ the lane of b (false where a lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanOrEqualAll(TV a, TV b) => typeof(TV) == typeof(Vector512<T>)
        ? Vector512.LessThanOrEqualAll(Unsafe.BitCast<TV, Vector512<T>>(a), Unsafe.BitCast<TV, Vector512<T>>(b))
        : Vector256.LessThanOrEqualAll(Unsafe.BitCast<TV, Vector256<T>>(a), Unsafe.BitCast<TV, Vector256<T>>(b));

    /// <summary>Whether some lane of <paramref name="v"/> differs from 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNonZero(TV v) => typeof(TV) == typeof(Vector512<T>)
        ? Unsafe.BitCast<TV, Vector512<T>>(v) != Vector512<T>.Zero
        : Unsafe.BitCast<TV, Vector256<T>>(v) != Vector256<T>.Zero;

    /// <summary>
    /// T = double: loads 2 · <see cref="Lanes"/> floats from <paramref name="p"/>, widened exactly: (first half, second
    /// half).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (TV Lo, TV Hi) LoadWiden(float* p)
    {
        if (typeof(TV) == typeof(Vector512<double>))
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(p));
            return (Unsafe.BitCast<Vector512<double>, TV>(lo), Unsafe.BitCast<Vector512<double>, TV>(hi));
        }

        var (nlo, nhi) = Vector256.Widen(Vector256.Load(p));
        return (Unsafe.BitCast<Vector256<double>, TV>(nlo), Unsafe.BitCast<Vector256<double>, TV>(nhi));
    }

    /// <summary>
    /// T = double: p · 2^k1 · 2^k2 with k1 + k2 = k, k the integer that <paramref name="t"/> = k + 1.5 · 2^52 holds in
    /// its low bits (two factors, so that a result below 2^−1022 rounds once into the subnormals).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ScaleByPow2(TV p, TV t, TV shifter)
    {
        if (typeof(TV) == typeof(Vector512<double>))
        {
            var bits = Unsafe.BitCast<TV, Vector512<long>>(t) - Unsafe.BitCast<TV, Vector512<long>>(shifter);
            var k1 = Vector512.ShiftRightArithmetic(bits, 1);
            var bias = Vector512.Create(1023L);
            return Unsafe.BitCast<Vector512<double>, TV>(Unsafe.BitCast<TV, Vector512<double>>(p)
                * Vector512.ShiftLeft(k1 + bias, 52).AsDouble() * Vector512.ShiftLeft(bits - k1 + bias, 52).AsDouble());
        }

        var nbits = Unsafe.BitCast<TV, Vector256<long>>(t) - Unsafe.BitCast<TV, Vector256<long>>(shifter);
        var nk1 = Vector256.ShiftRightArithmetic(nbits, 1);
        var nbias = Vector256.Create(1023L);
        return Unsafe.BitCast<Vector256<double>, TV>(Unsafe.BitCast<TV, Vector256<double>>(p)
            * Vector256.ShiftLeft(nk1 + nbias, 52).AsDouble() * Vector256.ShiftLeft(nbits - nk1 + nbias, 52).AsDouble());
    }
}
