using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// The float32 vector operations of the register-blocked scoring kernels at one width. Passed as a struct type
/// parameter (<see cref="Simd512"/>, <see cref="Simd256"/>), so each generic kernel is compiled once per width and
/// every call inlines to the bare instruction: no indirect calls, and the named accumulators of a kernel are plain
/// vector locals that stay in registers.
/// </summary>
/// <typeparam name="TV">The vector type (Vector512&lt;float&gt; or Vector256&lt;float&gt;).</typeparam>
internal unsafe interface ISimdWidth<TV>
    where TV : struct
{
    /// <summary>float32 lanes per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>Loads <see cref="Lanes"/> floats from <paramref name="p"/>.</summary>
    static abstract TV Load(float* p);

    /// <summary>Stores <paramref name="v"/> at <paramref name="p"/>.</summary>
    static abstract void Store(TV v, float* p);

    /// <summary>All lanes = <paramref name="x"/>.</summary>
    static abstract TV Broadcast(float x);

    /// <summary>
    /// a · b + c in the width's fixed form: one fused multiply-add with AVX-512 (FusedMultiplyAdd), the estimate form
    /// with AVX2 (an FMA where the CPU has one). Every kernel of a width uses this one form, so fused and unfused
    /// scores are the same bits.
    /// </summary>
    static abstract TV MulAdd(TV a, TV b, TV c);

    /// <summary>Lane-wise a · b.</summary>
    static abstract TV Mul(TV a, TV b);

    /// <summary>Lane-wise max(a, b).</summary>
    static abstract TV Max(TV a, TV b);
}

/// <summary>AVX-512: 16 float32 lanes.</summary>
internal readonly unsafe struct Simd512 : ISimdWidth<Vector512<float>>
{
    /// <inheritdoc/>
    public static int Lanes => 16;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> v, float* p) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float x) => Vector512.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}

/// <summary>AVX2: 8 float32 lanes.</summary>
internal readonly unsafe struct Simd256 : ISimdWidth<Vector256<float>>
{
    /// <inheritdoc/>
    public static int Lanes => 8;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> v, float* p) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float x) => Vector256.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
}
