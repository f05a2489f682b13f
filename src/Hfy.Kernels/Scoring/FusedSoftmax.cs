using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// The online-softmax sums of one chunk of the fused pass for every query lane (docs/math.md §1: m, Z = Σ e^{θ−m},
/// S = Σ e^{θ−m}(θ−m), r = Σ e^{θ−m} x_i), folded in a tile at a time: the tile's weights e^{θ−m} are written as a
/// rows × lanes float64 tile (vectorized exponential), and r gains weightsᵀ · rows through a register-blocked float64
/// GEMM, so the readout costs about what the scoring does instead of one scalar row update per (row, query).
/// </summary>
/// <remarks>
/// Precision: every weight, product and sum is float64 (the rows are widened exactly), each lane's Z, S and r_k are
/// summed in row order — the same terms as a row-by-row update, to float64 rounding. The running max m rises to each
/// tile's max before the tile's weights are taken, and Z, S, r are rescaled by e^{m_old − m_new} then (exact online
/// softmax). Lanes whose query needs no softmax, padding lanes, and rows with θ − m below −cutoff weigh 0.
/// </remarks>
internal sealed unsafe class SoftmaxLanes
{
    /// <summary>Lanes per GEMM block (4 Vector512 or 8 Vector256 of float64): the lane count is padded to it.</summary>
    private const int LaneBlock = 32;

    /// <summary>Dimensions per GEMM block: the dimension is padded to it.</summary>
    private const int KBlock = 4;

    /// <summary>Rows per GEMM block: a lane block's weights over these rows (16 KiB) stay in L1.</summary>
    private const int RowBlock = 64;

    private readonly int _dim;
    private readonly int _dimPad;
    private readonly int _lanes;
    private readonly int _stride;
    private readonly bool[] _on;
    private readonly double[] _m;
    private readonly double[] _z;
    private readonly double[] _s;
    private readonly double[] _min;
    private readonly double[] _rt;
    private readonly double[] _cut;
    private readonly double[] _scale;
    private double[] _w;
    private double[] _x;

    /// <param name="dim">D.</param>
    /// <param name="stride">Lanes of the score tile (the padded batch).</param>
    /// <param name="tileRows">Most rows per tile.</param>
    /// <param name="on">on[b]: lane b (b &lt; stride) sums a softmax.</param>
    /// <param name="hints">The running max each lane starts from (the query's max hint; −∞ for none).</param>
    public SoftmaxLanes(int dim, int stride, int tileRows, bool[] on, double[] hints)
    {
        _dim = dim;
        _dimPad = (dim + KBlock - 1) / KBlock * KBlock;
        _stride = stride;
        _lanes = (stride + LaneBlock - 1) / LaneBlock * LaneBlock;
        _on = on;
        _m = new double[_lanes];
        _z = new double[_lanes];
        _s = new double[_lanes];
        _min = new double[_lanes];
        Array.Fill(_min, double.PositiveInfinity);
        _cut = new double[_lanes];
        _scale = new double[_lanes];
        for (var b = 0; b < _lanes; b++) _m[b] = b < hints.Length ? hints[b] : double.NegativeInfinity;
        _rt = new double[_dimPad * _lanes];
        _w = TileBuffers.ZeroedDoubles(tileRows * _lanes);
        _x = TileBuffers.ZeroedDoubles(tileRows * _dimPad);
    }

    /// <summary>Folds one score tile in.</summary>
    /// <param name="sc">sc[r · stride + b] = θ of row r for lane b.</param>
    /// <param name="rows">Rows in the tile.</param>
    /// <param name="x">The tile's rows (rows × D, row-major).</param>
    /// <param name="tmax">Each lane's max over the tile.</param>
    /// <param name="cutoff">Rows with θ − m below −cutoff are skipped (746: only those whose weight is exactly 0 in float64).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(float* sc, int rows, float* x, float* tmax, double cutoff)
    {
        // No lane's tile maximum above its cutoff: every weight of the tile is 0 (at large β, or with a tolerance, almost
        // every tile), so only the lanes' minima move.
        if (!Rescale(tmax, cutoff))
        {
            LowerMinima(sc, rows);
            return;
        }

        var n = Weights(sc, rows, x);
        fixed (double* w = _w)
        fixed (double* xd = _x)
        fixed (double* rt = _rt)
        {
            for (var r0 = 0; r0 < n; r0 += RowBlock)
            {
                var count = Math.Min(RowBlock, n - r0);
                for (var l = 0; l < _lanes; l += LaneBlock)
                {
                    for (var k = 0; k < _dimPad; k += KBlock)
                    {
                        Gemm(w + ((long)r0 * _lanes) + l, _lanes, xd + ((long)r0 * _dimPad) + k, _dimPad, count, rt + ((long)k * _lanes) + l);
                    }
                }
            }
        }
    }

    /// <summary>Drops the tile buffers once the chunk is done (the sums stay).</summary>
    public void ReleaseTiles()
    {
        TileBuffers.Return(_w);
        TileBuffers.Return(_x);
        _w = [];
        _x = [];
    }

    /// <summary>The smallest score lane <paramref name="lane"/> has seen (+∞ for none).</summary>
    public double Min(int lane) => _min[lane];

    /// <summary>Query <paramref name="lane"/>'s state (null when its sums are empty).</summary>
    public OnlineSoftmaxState? State(int lane)
    {
        if (!(_z[lane] > 0)) return null;
        var r = new double[_dim];
        for (var k = 0; k < _dim; k++) r[k] = _rt[((long)k * _lanes) + lane];
        return new OnlineSoftmaxState(_m[lane], _z[lane], r) { S = _s[lane] };
    }

    /// <summary>
    /// Raises each lane's m to the tile max, rescaling Z, S and r (docs/math.md §1), and sets the lanes' cutoffs. Returns
    /// whether some summing lane's tile maximum is above its cutoff (else no weight of the tile is nonzero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Rescale(float* tmax, double cutoff)
    {
        var any = false;
        var live = false;
        for (var b = 0; b < _lanes; b++)
        {
            _scale[b] = 1;
            _cut[b] = double.PositiveInfinity;
            if (b >= _stride || !_on[b]) continue;
            double tileMax = tmax[b];
            if (tileMax > _m[b])
            {
                var scale = Math.Exp(_m[b] - tileMax);
                // S = Σ e^{θ−m}(θ−m) re-centred at the new max.
                if (_z[b] > 0) _s[b] = scale * (_s[b] + ((_m[b] - tileMax) * _z[b]));
                _z[b] *= scale;
                _scale[b] = scale;
                _m[b] = tileMax;
                any = true;
            }

            if (_m[b] > double.NegativeInfinity) _cut[b] = FusedScorer.FloorFloat(_m[b] - cutoff);
            live |= tileMax > _cut[b];
        }

        if (!any) return live;
        for (var k = 0; k < _dim; k++)
        {
            var row = _rt.AsSpan(k * _lanes, _lanes);
            for (var b = 0; b < _lanes; b++) row[b] *= _scale[b];
        }

        return live;
    }

    /// <summary>Lowers each lane's minimum to the tile's (the float32 minimum, widened: the same value as the widened scores' minimum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LowerMinima(float* sc, int rows)
    {
        var lanes = Vector256<float>.Count;
        for (var g = 0; g < _stride; g += lanes)
        {
            var min = Vector256.Create(float.PositiveInfinity);
            for (var r = 0; r < rows; r++) min = Vector256.Min(min, Vector256.Load(sc + ((long)r * _stride) + g));
            for (var l = 0; l < lanes; l++) _min[g + l] = Math.Min(_min[g + l], min.GetElement(l));
        }
    }

    /// <summary>
    /// Writes the weight rows e^{θ−m} (0 at or below the cutoff) and the widened rows of the tile, keeping only rows with
    /// some nonzero weight; adds the weights to Z and S. Returns the rows kept.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Weights(float* sc, int rows, float* x)
    {
        var n = 0;
        fixed (double* w = _w)
        fixed (double* xd = _x)
        fixed (double* m = _m)
        fixed (double* cut = _cut)
        fixed (double* z = _z)
        fixed (double* s = _s)
        fixed (double* mn = _min)
        {
            for (var r = 0; r < rows; r++)
            {
                var srow = sc + ((long)r * _stride);
                var wrow = w + ((long)n * _lanes);
                var nonzero = Vector512.IsHardwareAccelerated
                    ? WeightRow<Vector512<double>>(srow, wrow, m, cut, z, s, mn)
                    : WeightRow<Vector256<double>>(srow, wrow, m, cut, z, s, mn);
                if (!nonzero) continue;
                Widen(x + ((long)r * _dim), xd + ((long)n * _dimPad), _dim);
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// One row's weights e^{θ−m} over all lanes (0 where θ ≤ cut), written to <paramref name="wrow"/> and added to Z and
    /// S; the lanes' minima are lowered to θ. Returns whether some weight is nonzero. The width is the vector type
    /// parameter, specialised at JIT time; kept out of line, so the exponential's ~40 inlined operations count against
    /// this method's inlining budget, not the caller's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private bool WeightRow<TV>(float* srow, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
        where TV : struct
    {
        TV any = default;
        for (var g = 0; g < _stride; g += 2 * Simd<double, TV>.Lanes)
        {
            var (lo, hi) = Simd<double, TV>.LoadWiden(srow + g);
            any = Simd<double, TV>.Or(any, Weight<TV>(lo, g, wrow, m, cut, z, s, mn));
            any = Simd<double, TV>.Or(any, Weight<TV>(hi, g + Simd<double, TV>.Lanes, wrow, m, cut, z, s, mn));
        }

        return Simd<double, TV>.AnyNonZero(any);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Weight<TV>(TV theta, int g, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
        where TV : struct
    {
        Simd<double, TV>.Store(Simd<double, TV>.Min(Simd<double, TV>.Load(mn + g), theta), mn + g);
        var on = Simd<double, TV>.GreaterThan(theta, Simd<double, TV>.Load(cut + g));
        if (!Simd<double, TV>.AnyNonZero(on))
        {
            // No lane of the group above its cutoff (most rows at large β or with a tolerance): no exponential.
            Simd<double, TV>.Store(default, wrow + g);
            return default;
        }

        var d = Simd<double, TV>.Select(on, Simd<double, TV>.Sub(theta, Simd<double, TV>.Load(m + g)), default);
        var w = Simd<double, TV>.Select(on, Exp<TV>(d), default);
        Simd<double, TV>.Store(w, wrow + g);
        Simd<double, TV>.Store(Simd<double, TV>.Add(Simd<double, TV>.Load(z + g), w), z + g);
        Simd<double, TV>.Store(Simd<double, TV>.Add(Simd<double, TV>.Load(s + g), Simd<double, TV>.Mul(w, d)), s + g);
        return w;
    }

    // e^d for d in [−750, 0] (the weights; d below −746 is masked out by the caller): d = k ln 2 + t with |t| ≤ ln 2 / 2
    // (Cody–Waite split of ln 2), e^t by its Taylor polynomial of degree 13 (truncation < 1e-17 relative), then 2^k
    // built from exponent bits in two halves so that results below 2^−1022 round once into the subnormals. Within a
    // few ulp of Math.Exp; the runtime's Vector512.Exp of float64 is not vectorized and costs as much as Math.Exp.
    private const double Log2E = 1.4426950408889634;
    private const double Ln2Hi = 0.693147180369123816490;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Shifter = 6755399441055744.0; // 1.5 · 2^52: adding it rounds to an integer kept in the low bits.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp<TV>(TV d)
        where TV : struct
    {
        d = Simd<double, TV>.Max(d, Simd<double, TV>.Broadcast(-750.0));
        var shifter = Simd<double, TV>.Broadcast(Shifter);
        var t = Simd<double, TV>.MulAdd(d, Simd<double, TV>.Broadcast(Log2E), shifter);
        var k = Simd<double, TV>.Sub(t, shifter);
        var r = Simd<double, TV>.MulAdd(k, Simd<double, TV>.Broadcast(-Ln2Hi), d);
        r = Simd<double, TV>.MulAdd(k, Simd<double, TV>.Broadcast(-Ln2Lo), r);
        var p = Simd<double, TV>.Broadcast(1.0 / 6227020800.0);
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 479001600.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 39916800.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 3628800.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 362880.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 40320.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 5040.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 720.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 120.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 24.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0 / 6.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(0.5));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0));
        p = Simd<double, TV>.MulAdd(p, r, Simd<double, TV>.Broadcast(1.0));
        return Simd<double, TV>.ScaleByPow2(p, t, shifter);
    }

    /// <summary>e^d (d ≤ 0) on one vector of the widest accelerated width, for tests of the polynomial against Math.Exp.</summary>
    internal static void ExpOf(ReadOnlySpan<double> d, Span<double> result)
    {
        for (var i = 0; i < d.Length; i++)
        {
            result[i] = Vector512.IsHardwareAccelerated
                ? Exp<Vector512<double>>(Vector512.Create(d[i])).ToScalar()
                : Exp<Vector256<double>>(Vector256.Create(d[i])).ToScalar();
        }
    }

    /// <summary>to[k] = (double)from[k] for k &lt; dim (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen(float* from, double* to, int dim)
    {
        var k = 0;
        for (; k + 8 <= dim; k += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(from + k));
            lo.Store(to + k);
            hi.Store(to + k + 4);
        }

        for (; k < dim; k++) to[k] = from[k];
    }

    /// <summary>
    /// rt[kk · ls + l] += Σ_{r &lt; rows} w[r · ls + l] · x[r · xs + kk] for kk &lt; 4 and l &lt; 32: 4 dimensions × 32 lanes
    /// of float64 accumulators in registers, one FMA chain per (dimension, lane) in row order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm(double* w, int ls, double* x, int xs, int rows, double* rt)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Gemm512(w, ls, x, xs, rows, rt);
        }
        else
        {
            for (var l = 0; l < LaneBlock; l += 8) Gemm256(w + l, ls, x, xs, rows, rt + l);
        }
    }

    /// <summary>The four row pointers of a GEMM block's result tile: o_r = rt + r · ls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(double* rt, int ls, out double* o0, out double* o1, out double* o2, out double* o3)
    {
        o0 = rt;
        o1 = o0 + ls;
        o2 = o1 + ls;
        o3 = o2 + ls;
    }

    // Written out per width, like FusedKernels' blocks: 16 (AVX-512) or 8 (AVX2) named accumulators stay in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm512(double* w, int ls, double* x, int xs, int rows, double* rt)
    {
        Rows(rt, ls, out var o0, out var o1, out var o2, out var o3);
        Vector512<double> c00 = Vector512.Load(o0), c01 = Vector512.Load(o0 + 8), c02 = Vector512.Load(o0 + 16), c03 = Vector512.Load(o0 + 24);
        Vector512<double> c10 = Vector512.Load(o1), c11 = Vector512.Load(o1 + 8), c12 = Vector512.Load(o1 + 16), c13 = Vector512.Load(o1 + 24);
        Vector512<double> c20 = Vector512.Load(o2), c21 = Vector512.Load(o2 + 8), c22 = Vector512.Load(o2 + 16), c23 = Vector512.Load(o2 + 24);
        Vector512<double> c30 = Vector512.Load(o3), c31 = Vector512.Load(o3 + 8), c32 = Vector512.Load(o3 + 16), c33 = Vector512.Load(o3 + 24);
        for (var r = 0; r < rows; r++)
        {
            var wr = w + ((long)r * ls);
            var xr = x + ((long)r * xs);
            var w0 = Vector512.Load(wr);
            var w1 = Vector512.Load(wr + 8);
            var w2 = Vector512.Load(wr + 16);
            var w3 = Vector512.Load(wr + 24);
            var b = Vector512.Create(xr[0]);
            c00 = Vector512.FusedMultiplyAdd(w0, b, c00); c01 = Vector512.FusedMultiplyAdd(w1, b, c01);
            c02 = Vector512.FusedMultiplyAdd(w2, b, c02); c03 = Vector512.FusedMultiplyAdd(w3, b, c03);
            b = Vector512.Create(xr[1]);
            c10 = Vector512.FusedMultiplyAdd(w0, b, c10); c11 = Vector512.FusedMultiplyAdd(w1, b, c11);
            c12 = Vector512.FusedMultiplyAdd(w2, b, c12); c13 = Vector512.FusedMultiplyAdd(w3, b, c13);
            b = Vector512.Create(xr[2]);
            c20 = Vector512.FusedMultiplyAdd(w0, b, c20); c21 = Vector512.FusedMultiplyAdd(w1, b, c21);
            c22 = Vector512.FusedMultiplyAdd(w2, b, c22); c23 = Vector512.FusedMultiplyAdd(w3, b, c23);
            b = Vector512.Create(xr[3]);
            c30 = Vector512.FusedMultiplyAdd(w0, b, c30); c31 = Vector512.FusedMultiplyAdd(w1, b, c31);
            c32 = Vector512.FusedMultiplyAdd(w2, b, c32); c33 = Vector512.FusedMultiplyAdd(w3, b, c33);
        }

        c00.Store(o0); c01.Store(o0 + 8); c02.Store(o0 + 16); c03.Store(o0 + 24);
        c10.Store(o1); c11.Store(o1 + 8); c12.Store(o1 + 16); c13.Store(o1 + 24);
        c20.Store(o2); c21.Store(o2 + 8); c22.Store(o2 + 16); c23.Store(o2 + 24);
        c30.Store(o3); c31.Store(o3 + 8); c32.Store(o3 + 16); c33.Store(o3 + 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm256(double* w, int ls, double* x, int xs, int rows, double* rt)
    {
        Rows(rt, ls, out var o0, out var o1, out var o2, out var o3);
        Vector256<double> c00 = Vector256.Load(o0), c01 = Vector256.Load(o0 + 4);
        Vector256<double> c10 = Vector256.Load(o1), c11 = Vector256.Load(o1 + 4);
        Vector256<double> c20 = Vector256.Load(o2), c21 = Vector256.Load(o2 + 4);
        Vector256<double> c30 = Vector256.Load(o3), c31 = Vector256.Load(o3 + 4);
        for (var r = 0; r < rows; r++)
        {
            var wr = w + ((long)r * ls);
            var xr = x + ((long)r * xs);
            var w0 = Vector256.Load(wr);
            var w1 = Vector256.Load(wr + 4);
            var b = Vector256.Create(xr[0]);
            c00 = Vector256.MultiplyAddEstimate(w0, b, c00); c01 = Vector256.MultiplyAddEstimate(w1, b, c01);
            b = Vector256.Create(xr[1]);
            c10 = Vector256.MultiplyAddEstimate(w0, b, c10); c11 = Vector256.MultiplyAddEstimate(w1, b, c11);
            b = Vector256.Create(xr[2]);
            c20 = Vector256.MultiplyAddEstimate(w0, b, c20); c21 = Vector256.MultiplyAddEstimate(w1, b, c21);
            b = Vector256.Create(xr[3]);
            c30 = Vector256.MultiplyAddEstimate(w0, b, c30); c31 = Vector256.MultiplyAddEstimate(w1, b, c31);
        }

        c00.Store(o0); c01.Store(o0 + 4);
        c10.Store(o1); c11.Store(o1 + 4);
        c20.Store(o2); c21.Store(o2 + 4);
        c30.Store(o3); c31.Store(o3 + 4);
    }
}
