using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Kernels.Storage;

/// <summary>The distribution of a procedural bank's rows.</summary>
public enum ProceduralEnsemble
{
    /// <summary>i.i.d. N(0, 1) components.</summary>
    Gaussian,
    /// <summary>Uniform on the unit sphere (‖x‖ = 1): a Gaussian row divided by its norm.</summary>
    Sphere,
    /// <summary>Uniform on the sphere of radius √D (‖x‖² = D, the scale of ±1 and Gaussian rows).</summary>
    SphereSqrtD,
    /// <summary>i.i.d. ±1 components with probability ½ each.</summary>
    Binary,
}

/// <summary>Which generator a <see cref="ProceduralStore"/> runs.</summary>
public enum ProceduralGenerator
{
    /// <summary>The vectorized counter-hash generator (8 rows per SIMD pass, float32 Box–Muller).</summary>
    Vector,
    /// <summary>
    /// <see cref="BankGenerator"/> (scalar <see cref="CounterRng"/>, float64 Box–Muller): the rows of existing
    /// <c>gen:gaussian|sphere|binary</c> banks, bit for bit, about 20 × slower than <see cref="Vector"/>.
    /// </summary>
    Legacy,
}

/// <summary>
/// A bank that stores nothing: row i is regenerated on demand from (seed, i) by a counter-based generator, so a
/// node holds 10⁹ patterns in O(1) memory and any row range can be produced alone. Every row is bit-identical
/// whether it is generated in a tile for scoring, decoded in a range or read alone (<see cref="PatternStores.Materialize"/>
/// and <see cref="PatternStores.WriteNpy"/> give the materialized copy).
/// </summary>
/// <remarks>
/// <para>Vector generator. Per row a 64-bit key k = SplitMix64(SplitMix64(seed + φ) ⊕ (i·φ + c)). Component pairs
/// j = 0 … h − 1 (h = ⌈D/2⌉) run in the lanes of a Vector256: h₁ = mix(mix(k_lo + j·φ₃₂) ⊕ k_hi), h₂ = mix(h₁ + c′),
/// mix = the lowbias32 finalizer (two multiplies, three xor-shifts). Box–Muller in float32: u = (2⌊h₁/2⁹⌋ + 1)/2²⁴ ∈ (0, 1),
/// radius √(−2 ln u) (|g| ≤ 5.9 σ), angle = the quadrant h₂ ≫ 30 plus a 24-bit fraction of a quarter turn; component j
/// is the cosine part and component j + h the sine part. ln, sin and cos are this file's own polynomials (relative error
/// ≈ 1e-7, deterministic: plain float32 multiplies and adds, no FMA contraction), so rows are the same bits on any
/// machine. Sphere rows divide by the float32 norm (lane sums, then a horizontal sum). ±1 rows take bit (k mod 32) of
/// mix(mix(k_lo + ⌊k/32⌋·φ₃₂ + c″) ⊕ k_hi).</para>
/// <para>This is not Philox: a keyed hash of (row, counter) with the same counter-based property, cheaper per value.</para>
/// </remarks>
public sealed class ProceduralStore : IPatternStore
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const uint Golden32 = 0x9E3779B9u;
    private const int Lanes = 8;

    /// <summary>A procedural bank of <paramref name="rows"/> × <paramref name="dim"/> patterns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 0 or dim &lt; 1.</exception>
    /// <exception cref="ArgumentException">The legacy generator with <see cref="ProceduralEnsemble.SphereSqrtD"/> (it has no such ensemble).</exception>
    public ProceduralStore(ProceduralEnsemble ensemble, ulong seed, long rows, int dim, ProceduralGenerator generator = ProceduralGenerator.Vector)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1");
        if (!Enum.IsDefined(ensemble)) throw new ArgumentOutOfRangeException(nameof(ensemble), ensemble, "unknown ensemble");
        if (generator == ProceduralGenerator.Legacy && ensemble == ProceduralEnsemble.SphereSqrtD)
            throw new ArgumentException("ensemble: the legacy generator has no radius-√D sphere (use Sphere, or the vector generator)", nameof(ensemble));
        Ensemble = ensemble;
        Seed = seed;
        Rows = rows;
        Dim = dim;
        Generator = generator;
    }

    /// <summary>The row distribution.</summary>
    public ProceduralEnsemble Ensemble { get; }

    /// <summary>The generator seed.</summary>
    public ulong Seed { get; }

    /// <summary>The generator.</summary>
    public ProceduralGenerator Generator { get; }

    /// <inheritdoc/>
    public long Rows { get; }

    /// <inheritdoc/>
    public int Dim { get; }

    /// <inheritdoc/>
    public PatternStoreKind Kind => PatternStoreKind.Procedural;

    /// <inheritdoc/>
    public long ResidentBytes => 0;

    /// <inheritdoc/>
    public unsafe void DecodeRows(long first, int count, Span<float> dest)
    {
        PatternStores.CheckRange(this, first, count, dest.Length, Dim);
        if (Generator == ProceduralGenerator.Legacy)
        {
            BankGenerator.Fill(LegacyKind(), Seed, Dim, first, dest[..(count * Dim)]);
            return;
        }
        var pairs8 = ((Dim + 1) / 2 + Lanes - 1) / Lanes * Lanes;
        var buffer = pairs8 <= 2048 ? stackalloc float[2 * pairs8] : new float[2 * pairs8];
        fixed (float* d = dest)
        fixed (float* b = buffer)
        {
            for (var r = 0; r < count; r++) GenerateRow((ulong)(first + r), d + (long)r * Dim, b, b + pairs8);
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    private BankSourceKind LegacyKind() => Ensemble switch
    {
        ProceduralEnsemble.Gaussian => BankSourceKind.Gaussian,
        ProceduralEnsemble.Sphere => BankSourceKind.Sphere,
        _ => BankSourceKind.Binary,
    };

    /// <summary>64-bit key of one row (SplitMix64 finalizer, chained over seed and row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RowKey(ulong seed, ulong row)
    {
        var h = Mix64(seed + Golden);
        return Mix64(h ^ (row * Golden + 0x632BE59BD9B4E019UL));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>lowbias32 (hash-prospector): a bijective 32-bit finalizer, lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Mix32(Vector256<uint> x)
    {
        x ^= Vector256.ShiftRightLogical(x, 16);
        x *= Vector256.Create(0x7FEB352Du);
        x ^= Vector256.ShiftRightLogical(x, 15);
        x *= Vector256.Create(0x846CA68Bu);
        return x ^ Vector256.ShiftRightLogical(x, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix32(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        return x ^ (x >> 16);
    }

    /// <summary>ln u for u in (0, 1]: exponent plus 2 atanh((m − 1)/(m + 1)) on m ∈ [√½, √2), five odd terms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Log(Vector256<float> u)
    {
        var bits = u.AsUInt32();
        var e = Vector256.ShiftRightLogical(bits, 23).AsInt32() - Vector256.Create(127);
        var m = ((bits & Vector256.Create(0x007FFFFFu)) | Vector256.Create(0x3F800000u)).AsSingle();
        var big = Vector256.GreaterThan(m, Vector256.Create(1.41421356f));
        m = Vector256.ConditionalSelect(big, m * Vector256.Create(0.5f), m);
        e -= big.AsInt32(); // big lanes are all ones (−1): e + 1
        var s = (m - Vector256<float>.One) / (m + Vector256<float>.One);
        var z = s * s;
        var poly = Vector256.Create(1f / 9f);
        poly = poly * z + Vector256.Create(1f / 7f);
        poly = poly * z + Vector256.Create(1f / 5f);
        poly = poly * z + Vector256.Create(1f / 3f);
        poly = poly * z + Vector256<float>.One;
        return Vector256.ConvertToSingle(e) * Vector256.Create(0.693147181f) + Vector256.Create(2f) * s * poly;
    }

    /// <summary>Generates one row into <paramref name="dest"/> (Dim floats); c and s are scratch of ⌈h/8⌉·8 floats each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void GenerateRow(ulong row, float* dest, float* c, float* s)
    {
        var dim = Dim;
        var key = RowKey(Seed, row);
        var klo = (uint)key;
        var khi = (uint)(key >> 32);
        if (Ensemble == ProceduralEnsemble.Binary)
        {
            var bitMasks = Vector256.Create(1u, 2, 4, 8, 16, 32, 64, 128);
            for (var w = 0; w * 32 < dim; w++)
            {
                var h = Mix32(Mix32(klo + unchecked((uint)w * Golden32 + 0x7F4A7C15u)) ^ khi);
                var end = Math.Min(32, dim - w * 32);
                var k = 0;
                for (; k + 8 <= end; k += 8)
                {
                    var bits = Vector256.Create(h >> k) & bitMasks;
                    Vector256.ConditionalSelect(Vector256.Equals(bits, Vector256<uint>.Zero).AsSingle(), Vector256<float>.One, Vector256.Create(-1f))
                        .Store(dest + w * 32 + k);
                }
                for (; k < end; k++) dest[w * 32 + k] = ((h >> k) & 1) != 0 ? -1f : 1f;
            }
            return;
        }
        var pairs = (dim + 1) / 2;
        var sinCount = dim - pairs;
        var iota = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        var ss = Vector256<float>.Zero;
        var invSqrt2 = Vector256.Create(0.707106781f);
        var quarterTurn = Vector256.Create(1.57079633f / 16777216f);
        for (var j0 = 0; j0 < pairs; j0 += Lanes)
        {
            var j = Vector256.Create((uint)j0) + iota;
            var h1 = Mix32(Mix32(Vector256.Create(klo) + j * Vector256.Create(Golden32)) ^ Vector256.Create(khi));
            var h2 = Mix32(h1 + Vector256.Create(0x632BE5ABu));
            var u = Vector256.ConvertToSingle(((Vector256.ShiftRightLogical(h1, 9) << 1) | Vector256<uint>.One).AsInt32()) * Vector256.Create(1f / 16777216f);
            var r = Vector256.Sqrt(Vector256.Create(-2f) * Log(u));
            // x ∈ [−π/4, π/4): the angle is quadrant·π/2 + π/4 + x.
            var x = Vector256.ConvertToSingle((Vector256.ShiftRightLogical(h2, 6) & Vector256.Create(0x00FFFFFFu)).AsInt32()) * quarterTurn - Vector256.Create(0.785398163f);
            var x2 = x * x;
            var sinX = x * (Vector256<float>.One + x2 * (Vector256.Create(-1f / 6f) + x2 * (Vector256.Create(1f / 120f) + x2 * (Vector256.Create(-1f / 5040f) + x2 * Vector256.Create(1f / 362880f)))));
            var cosX = Vector256<float>.One + x2 * (Vector256.Create(-0.5f) + x2 * (Vector256.Create(1f / 24f) + x2 * (Vector256.Create(-1f / 720f) + x2 * Vector256.Create(1f / 40320f))));
            var sin0 = (sinX + cosX) * invSqrt2;
            var cos0 = (cosX - sinX) * invSqrt2;
            var quadrant = Vector256.ShiftRightLogical(h2, 30);
            var odd = Vector256.Equals(quadrant & Vector256<uint>.One, Vector256<uint>.One).AsSingle();
            var flip = (Vector256.ShiftRightLogical(quadrant, 1) << 31).AsSingle();
            var sinA = Vector256.ConditionalSelect(odd, cos0, sin0) ^ flip;
            var cosA = Vector256.ConditionalSelect(odd, -sin0, cos0) ^ flip;
            var g0 = r * cosA & Vector256.LessThan(j, Vector256.Create((uint)pairs)).AsSingle();
            var g1 = r * sinA & Vector256.LessThan(j, Vector256.Create((uint)sinCount)).AsSingle();
            g0.Store(c + j0);
            g1.Store(s + j0);
            ss += g0 * g0;
            ss += g1 * g1;
        }
        var scale = 1f;
        if (Ensemble != ProceduralEnsemble.Gaussian)
        {
            var radius = Ensemble == ProceduralEnsemble.Sphere ? 1f : MathF.Sqrt(dim);
            scale = radius / MathF.Sqrt(Vector256.Sum(ss));
        }
        Scale(c, pairs, scale, dest);
        Scale(s, sinCount, scale, dest + pairs);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Scale(float* from, int count, float scale, float* to)
    {
        var sv = Vector256.Create(scale);
        var k = 0;
        for (; k + Lanes <= count; k += Lanes) (Vector256.Load(from + k) * sv).Store(to + k);
        for (; k < count; k++) to[k] = from[k] * scale;
    }
}
