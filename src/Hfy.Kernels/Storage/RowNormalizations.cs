using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hfy.Kernels.Storage;

/// <summary>
/// The row normalizations of <see cref="RowNormalization"/> on one vector: the ℓ2 and layer-norm post-transformations
/// ŷ_Ψ of docs/math.md §1, which are also applied to every stored row (and the initial query) in those modes.
/// </summary>
/// <remarks>
/// A procedural bank under ℓ2 or layer-norm retrieval normalizes every row of every pass (10⁹ rows a pass in the
/// capacity cell), so the sums are vectorized. Their order does not depend on the machine: eight float64 lanes (one
/// AVX-512 register or two <see cref="Vector256{T}"/>; fused multiply-adds, which round the same everywhere), lane j
/// summing elements j, j + 8, …, reduced as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), then the last D mod 8
/// elements in order.
/// Every node therefore normalizes a row to the same bits, and a stored row is (float)Apply((double)row).
/// </remarks>
public static class RowNormalizations
{
    /// <summary>Layer-norm epsilon of the published code (torch LayerNorm default).</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>Floor of the ℓ2 norm (torch.nn.functional.normalize default), so a zero vector stays zero.</summary>
    public const double L2Eps = 1e-12;

    /// <summary>Applies z/‖z‖ or layer norm in place (nothing for <see cref="RowNormalization.None"/>).</summary>
    /// <remarks>
    /// Layer norm follows torch <c>LayerNorm(elementwise_affine=False)</c> exactly: (z − mean)/sqrt(var + eps) with
    /// the biased variance var = ‖z − mean‖²/D, i.e. √D (z − mean)/sqrt(‖z − mean‖² + D·eps).
    /// </remarks>
    public static void Apply(RowNormalization kind, Span<double> z) => Normalize<double>(kind, z);

    /// <summary>Normalizes one stored row in place: (float)Apply((double)row), bit for bit (the row is widened exactly).</summary>
    public static void NormalizeRow(RowNormalization kind, Span<float> row) => Normalize<float>(kind, row);

    /// <summary>Normalizes each of the rows (row-major, <paramref name="dim"/> wide) in place, as <see cref="NormalizeRow"/>.</summary>
    public static void NormalizeRows(RowNormalization kind, Span<float> rows, int dim)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (rows.Length % dim != 0) throw new ArgumentException($"rows: length {rows.Length} is not a multiple of dim {dim}", nameof(rows));
        if (kind == RowNormalization.None) return;
        for (var r = 0; r + dim <= rows.Length; r += dim) Normalize<float>(kind, rows.Slice(r, dim));
    }

    /// <summary>z ↦ (z − centre) · scale in float64 (T is float or double; float rows are widened, then rounded back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalize<T>(RowNormalization kind, Span<T> z)
        where T : unmanaged
    {
        if (kind == RowNormalization.None) return;
        ref var at = ref MemoryMarshal.GetReference(z);
        var n = z.Length;
        double centre;
        double scale;
        switch (kind)
        {
            case RowNormalization.L2:
                centre = 0;
                scale = 1.0 / Math.Max(Math.Sqrt(SumOfSquares(ref at, n, 0.0)), L2Eps);
                break;
            case RowNormalization.LayerNorm:
                centre = Sum(ref at, n) / n;
                scale = 1.0 / Math.Sqrt((SumOfSquares(ref at, n, centre) / n) + LayerNormEps);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown row normalization");
        }

        var i = 0;
        if (Avx512F.IsSupported)
        {
            var c = Vector512.Create(centre);
            var s = Vector512.Create(scale);
            for (; i + 8 <= n; i += 8) Store8(ref at, i, (Load8Wide(ref at, i) - c) * s);
        }
        else
        {
            var c = Vector256.Create(centre);
            var s = Vector256.Create(scale);
            for (; i + 8 <= n; i += 8)
            {
                var (a, b) = Load8(ref at, i);
                Store8(ref at, i, (a - c) * s, (b - c) * s);
            }
        }
        for (; i < n; i++) Set(ref at, i, (Get(ref at, i) - centre) * scale);
    }

    /// <summary>Σ z_i in the fixed lane order of the class remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum<T>(ref T at, int n)
        where T : unmanaged
    {
        Vector256<double> a = default, b = default;
        var i = 0;
        if (Avx512F.IsSupported)
        {
            // One register of the same eight lanes: its halves are a and b.
            Vector512<double> lanes = default;
            for (; i + 8 <= n; i += 8) lanes += Load8Wide(ref at, i);
            (a, b) = (lanes.GetLower(), lanes.GetUpper());
        }
        else
        {
            for (; i + 8 <= n; i += 8)
            {
                var (da, db) = Load8(ref at, i);
                a += da;
                b += db;
            }
        }
        var total = Reduce(a, b);
        for (; i < n; i++) total += Get(ref at, i);
        return total;
    }

    /// <summary>Σ (z_i − centre)² in the fixed lane order of the class remarks (z_i − 0 = z_i exactly for ℓ2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SumOfSquares<T>(ref T at, int n, double centre)
        where T : unmanaged
    {
        Vector256<double> a = default, b = default;
        var i = 0;
        if (Avx512F.IsSupported)
        {
            var c = Vector512.Create(centre);
            Vector512<double> lanes = default;
            for (; i + 8 <= n; i += 8)
            {
                var d = Load8Wide(ref at, i) - c;
                lanes = Vector512.FusedMultiplyAdd(d, d, lanes);
            }
            (a, b) = (lanes.GetLower(), lanes.GetUpper());
        }
        else
        {
            var c = Vector256.Create(centre);
            for (; i + 8 <= n; i += 8)
            {
                var (da, db) = Load8(ref at, i);
                da -= c;
                db -= c;
                a = Vector256.FusedMultiplyAdd(da, da, a);
                b = Vector256.FusedMultiplyAdd(db, db, b);
            }
        }
        var total = Reduce(a, b);
        for (; i < n; i++)
        {
            var d = Get(ref at, i) - centre;
            total = Math.FusedMultiplyAdd(d, d, total);
        }
        return total;
    }

    /// <summary>Elements i … i + 7 as float64 (exact for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> Lo, Vector256<double> Hi) Load8<T>(ref T at, int i)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref at), (nuint)i));
        ref var d = ref Unsafe.As<T, double>(ref at);
        return (Vector256.LoadUnsafe(ref d, (nuint)i), Vector256.LoadUnsafe(ref d, (nuint)i + 4));
    }

    /// <summary>Elements i … i + 7 as float64 in one AVX-512 register (lanes 0–3 and 4–7 are <see cref="Load8"/>'s halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Load8Wide<T>(ref T at, int i)
        where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref at), (nuint)i))
            : Vector512.LoadUnsafe(ref Unsafe.As<T, double>(ref at), (nuint)i);

    /// <summary>Stores elements i … i + 7 from one AVX-512 register (rounded to float for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8<T>(ref T at, int i, Vector512<double> v)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Avx512F.ConvertToVector256Single(v).StoreUnsafe(ref Unsafe.As<T, float>(ref at), (nuint)i);
        else v.StoreUnsafe(ref Unsafe.As<T, double>(ref at), (nuint)i);
    }

    /// <summary>Stores elements i … i + 7 (rounded to float for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8<T>(ref T at, int i, Vector256<double> lo, Vector256<double> hi)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector256.Narrow(lo, hi).StoreUnsafe(ref Unsafe.As<T, float>(ref at), (nuint)i);
            return;
        }
        ref var d = ref Unsafe.As<T, double>(ref at);
        lo.StoreUnsafe(ref d, (nuint)i);
        hi.StoreUnsafe(ref d, (nuint)i + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Get<T>(ref T at, int i)
        where T : unmanaged =>
        typeof(T) == typeof(float) ? Unsafe.Add(ref Unsafe.As<T, float>(ref at), i) : Unsafe.Add(ref Unsafe.As<T, double>(ref at), i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set<T>(ref T at, int i, double v)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Unsafe.Add(ref Unsafe.As<T, float>(ref at), i) = (float)v;
        else Unsafe.Add(ref Unsafe.As<T, double>(ref at), i) = v;
    }

    /// <summary>((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) for lanes a = l0..l3, b = l4..l7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Reduce(Vector256<double> a, Vector256<double> b)
    {
        var s = a + b;
        var t = s.GetLower() + s.GetUpper();
        return t.GetElement(0) + t.GetElement(1);
    }
}
