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

/// <summary>
/// The float64 vector operations of the softmax weights (<see cref="SoftmaxLanes"/>) at one width; like
/// <see cref="ISimdWidth{TV}"/> a struct type parameter, so every call inlines to the bare instruction.
/// </summary>
/// <typeparam name="TV">The vector type (Vector512&lt;double&gt; or Vector256&lt;double&gt;).</typeparam>
internal unsafe interface ISimdWidthF64<TV>
    where TV : struct
{
    /// <summary>float64 lanes per vector (float32 lanes per widened load: twice as many).</summary>
    static abstract int Lanes { get; }

    /// <summary>Loads <see cref="Lanes"/> doubles from <paramref name="p"/>.</summary>
    static abstract TV Load(double* p);

    /// <summary>Stores <paramref name="v"/> at <paramref name="p"/>.</summary>
    static abstract void Store(TV v, double* p);

    /// <summary>Loads 2 · <see cref="Lanes"/> floats from <paramref name="p"/>, widened exactly: (first half, second half).</summary>
    static abstract (TV Lo, TV Hi) LoadWiden(float* p);

    /// <summary>All lanes = <paramref name="x"/>.</summary>
    static abstract TV Broadcast(double x);

    /// <summary>a · b + c: FusedMultiplyAdd with AVX-512, the estimate form with AVX2 (an FMA where the CPU has one).</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);

    /// <summary>Lane-wise a + b.</summary>
    static abstract TV Add(TV a, TV b);

    /// <summary>Lane-wise a − b.</summary>
    static abstract TV Sub(TV a, TV b);

    /// <summary>Lane-wise a · b.</summary>
    static abstract TV Mul(TV a, TV b);

    /// <summary>Lane-wise min(a, b).</summary>
    static abstract TV Min(TV a, TV b);

    /// <summary>Lane-wise max(a, b).</summary>
    static abstract TV Max(TV a, TV b);

    /// <summary>All-ones lanes where a &gt; b, else zero.</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>Bitwise: mask ? a : b.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>Bitwise a | b.</summary>
    static abstract TV Or(TV a, TV b);

    /// <summary>Whether some lane of <paramref name="v"/> differs from 0.</summary>
    static abstract bool AnyNonZero(TV v);

    /// <summary>
    /// p · 2^k1 · 2^k2 with k1 + k2 = k, k the integer that <paramref name="t"/> = k + 1.5 · 2^52 holds in its low
    /// bits (two factors, so that a result below 2^−1022 rounds once into the subnormals).
    /// </summary>
    static abstract TV ScaleByPow2(TV p, TV t, TV shifter);
}

/// <summary>AVX-512: 8 float64 lanes.</summary>
internal readonly unsafe struct Simd512F64 : ISimdWidthF64<Vector512<double>>
{
    /// <inheritdoc/>
    public static int Lanes => 8;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Load(double* p) => Vector512.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<double> v, double* p) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<double> Lo, Vector512<double> Hi) LoadWiden(float* p) => Vector512.Widen(Vector512.Load(p));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Broadcast(double x) => Vector512.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MulAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sub(Vector512<double> a, Vector512<double> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Mul(Vector512<double> a, Vector512<double> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Min(Vector512<double> a, Vector512<double> b) => Vector512.Min(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Max(Vector512<double> a, Vector512<double> b) => Vector512.Max(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> GreaterThan(Vector512<double> a, Vector512<double> b) => Vector512.GreaterThan(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Select(Vector512<double> mask, Vector512<double> a, Vector512<double> b) => Vector512.ConditionalSelect(mask, a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Or(Vector512<double> a, Vector512<double> b) => a | b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNonZero(Vector512<double> v) => v != Vector512<double>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ScaleByPow2(Vector512<double> p, Vector512<double> t, Vector512<double> shifter)
    {
        var bits = t.AsInt64() - shifter.AsInt64();
        var k1 = Vector512.ShiftRightArithmetic(bits, 1);
        var k2 = bits - k1;
        var bias = Vector512.Create(1023L);
        return p * Vector512.ShiftLeft(k1 + bias, 52).AsDouble() * Vector512.ShiftLeft(k2 + bias, 52).AsDouble();
    }
}

/// <summary>AVX2: 4 float64 lanes.</summary>
internal readonly unsafe struct Simd256F64 : ISimdWidthF64<Vector256<double>>
{
    /// <inheritdoc/>
    public static int Lanes => 4;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(double* p) => Vector256.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> v, double* p) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Lo, Vector256<double> Hi) LoadWiden(float* p) => Vector256.Widen(Vector256.Load(p));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Broadcast(double x) => Vector256.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MulAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sub(Vector256<double> a, Vector256<double> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Mul(Vector256<double> a, Vector256<double> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Min(Vector256<double> a, Vector256<double> b) => Vector256.Min(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Max(Vector256<double> a, Vector256<double> b) => Vector256.Max(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> GreaterThan(Vector256<double> a, Vector256<double> b) => Vector256.GreaterThan(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Select(Vector256<double> mask, Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(mask, a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Or(Vector256<double> a, Vector256<double> b) => a | b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNonZero(Vector256<double> v) => v != Vector256<double>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ScaleByPow2(Vector256<double> p, Vector256<double> t, Vector256<double> shifter)
    {
        var bits = t.AsInt64() - shifter.AsInt64();
        var k1 = Vector256.ShiftRightArithmetic(bits, 1);
        var k2 = bits - k1;
        var bias = Vector256.Create(1023L);
        return p * Vector256.ShiftLeft(k1 + bias, 52).AsDouble() * Vector256.ShiftLeft(k2 + bias, 52).AsDouble();
    }
}
