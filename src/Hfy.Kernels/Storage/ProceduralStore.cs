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
/// whether it is generated in a panel for scoring, decoded row-major or read alone (<see cref="PatternStores.Materialize"/>
/// and <see cref="PatternStores.WriteNpy"/> give the materialized copy).
/// </summary>
/// <remarks>
/// <para>Vector generator. Per row a 64-bit key k = SplitMix64(SplitMix64(seed + φ) ⊕ (i·φ + c)); per pair of
/// components j a 32-bit counter hash h = mix(mix(k_lo + j·φ₃₂) ⊕ k_hi) and h' = mix(h + c′), mix = the lowbias32
/// finalizer (two multiplies, three xor-shifts; passes PractRand as a counter hash). Gaussians by Box–Muller in
/// float32 on 24-bit uniforms: u₁ = (2⌊h/2⁹⌋ + 1)/2²⁴ ∈ (0, 1), angle 2π(⌊h′/2⁸⌋/2²⁴ − ½); |g| ≤ 5.9 σ. Sphere rows
/// divide by the float32 norm accumulated over the components in order. ±1 rows take bit (k mod 32) of
/// mix(mix(k_lo + ⌊k/32⌋·φ₃₂ + c″) ⊕ k_hi). Eight rows run in the lanes of one Vector256, so a panel of rows comes out
/// dimension-major as the microkernel wants it. The float32 Log and SinCos are .NET's vector implementations, so
/// rows are reproducible on any machine running the same .NET build.</para>
/// <para>This is not Philox: a hash of (key, counter) with the same counter-based property, cheaper per value.</para>
/// </remarks>
public sealed class ProceduralStore : IPatternStore
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const uint Golden32 = 0x9E3779B9u;
    private const int Lanes = 8;
    [ThreadStatic] private static float[]? _panel;

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
        var panel = Scratch(Lanes * Dim);
        fixed (float* p = panel)
        fixed (float* d = dest)
        {
            for (var r0 = 0; r0 < count; r0 += Lanes)
            {
                var valid = Math.Min(Lanes, count - r0);
                GenerateGroup(first + r0, valid, p, Lanes);
                for (var r = 0; r < valid; r++)
                {
                    var row = d + (long)(r0 + r) * Dim;
                    for (var k = 0; k < Dim; k++) row[k] = p[k * Lanes + r];
                }
            }
        }
    }

    /// <inheritdoc/>
    public void ReadRow(long row, Span<float> dest) => DecodeRows(row, 1, dest);

    /// <inheritdoc/>
    public unsafe void PackPanel(long first, int count, int width, Span<float> dest)
    {
        PatternStores.CheckPanel(this, first, count, width, dest.Length);
        if (Generator == ProceduralGenerator.Legacy || width % Lanes != 0)
        {
            PatternStores.PackByDecoding(this, first, count, width, dest);
            return;
        }
        fixed (float* d = dest)
        {
            for (var r0 = 0; r0 < width; r0 += Lanes)
            {
                var valid = Math.Clamp(count - r0, 0, Lanes);
                if (valid == 0)
                {
                    for (var k = 0; k < Dim; k++) Vector256<float>.Zero.Store(d + (long)k * width + r0);
                }
                else
                {
                    GenerateGroup(first + r0, valid, d + r0, width);
                }
            }
        }
    }

    private BankSourceKind LegacyKind() => Ensemble switch
    {
        ProceduralEnsemble.Gaussian => BankSourceKind.Gaussian,
        ProceduralEnsemble.Sphere => BankSourceKind.Sphere,
        _ => BankSourceKind.Binary,
    };

    private static float[] Scratch(int length)
    {
        var p = _panel;
        if (p is null || p.Length < length) _panel = p = new float[length];
        return p;
    }

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

    /// <summary>
    /// Generates rows first … first + 7 into lanes 0 … 7 of dest[k · stride + lane] (dimension-major); lanes ≥ valid are 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void GenerateGroup(long first, int valid, float* dest, int stride)
    {
        var dim = Dim;
        var lo = stackalloc uint[Lanes];
        var hi = stackalloc uint[Lanes];
        for (var l = 0; l < Lanes; l++)
        {
            var key = RowKey(Seed, (ulong)(first + l));
            lo[l] = (uint)key;
            hi[l] = (uint)(key >> 32);
        }
        var klo = Vector256.Load(lo);
        var khi = Vector256.Load(hi);
        if (Ensemble == ProceduralEnsemble.Binary)
        {
            var one = Vector256.Create(1f);
            var minusOne = Vector256.Create(-1f);
            for (var c = 0; c * 32 < dim; c++)
            {
                var h = Mix32(Mix32(klo + Vector256.Create(unchecked((uint)c * Golden32 + 0x7F4A7C15u))) ^ khi);
                var end = Math.Min(32, dim - c * 32);
                for (var b = 0; b < end; b++)
                {
                    var bit = Vector256.Equals(Vector256.ShiftRightLogical(h, b) & Vector256<uint>.One, Vector256<uint>.One);
                    Vector256.ConditionalSelect(bit.AsSingle(), minusOne, one).Store(dest + (long)(c * 32 + b) * stride);
                }
            }
        }
        else
        {
            var ss = Vector256<float>.Zero;
            var scale24 = Vector256.Create(1f / 16777216f);
            var twoPi = Vector256.Create(2f * MathF.PI);
            var half = Vector256.Create(0.5f);
            var minusTwo = Vector256.Create(-2f);
            for (var j = 0; 2 * j < dim; j++)
            {
                var h = Mix32(Mix32(klo + Vector256.Create(unchecked((uint)j * Golden32))) ^ khi);
                var h2 = Mix32(h + Vector256.Create(0x632BE5ABu));
                var u1 = Vector256.ConvertToSingle(((Vector256.ShiftRightLogical(h, 9) << 1) | Vector256<uint>.One).AsInt32()) * scale24;
                var u2 = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(h2, 8).AsInt32()) * scale24 - half;
                var r = Vector256.Sqrt(minusTwo * Vector256.Log(u1));
                var (sin, cos) = Vector256.SinCos(u2 * twoPi);
                var g0 = r * cos;
                g0.Store(dest + (long)(2 * j) * stride);
                ss += g0 * g0;
                if (2 * j + 1 < dim)
                {
                    var g1 = r * sin;
                    g1.Store(dest + (long)(2 * j + 1) * stride);
                    ss += g1 * g1;
                }
            }
            if (Ensemble != ProceduralEnsemble.Gaussian)
            {
                var radius = Ensemble == ProceduralEnsemble.Sphere ? 1f : MathF.Sqrt(dim);
                var s = Vector256.Create(radius) / Vector256.Sqrt(ss);
                for (var k = 0; k < dim; k++) (Vector256.Load(dest + (long)k * stride) * s).Store(dest + (long)k * stride);
            }
        }
        if (valid < Lanes)
        {
            var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(valid)).AsSingle();
            for (var k = 0; k < dim; k++) (Vector256.Load(dest + (long)k * stride) & mask).Store(dest + (long)k * stride);
        }
    }
}
