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
        _rt = GC.AllocateArray<double>(_dimPad * _lanes, pinned: true);
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
        Rescale(tmax, cutoff);
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

    /// <summary>Raises each lane's m to the tile max, rescaling Z, S and r (docs/math.md §1), and sets the lanes' cutoffs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rescale(float* tmax, double cutoff)
    {
        var any = false;
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
        }

        if (!any) return;
        for (var k = 0; k < _dim; k++)
        {
            var row = _rt.AsSpan(k * _lanes, _lanes);
            for (var b = 0; b < _lanes; b++) row[b] *= _scale[b];
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
                    ? WeightRow512(srow, wrow, m, cut, z, s, mn)
                    : WeightRow256(srow, wrow, m, cut, z, s, mn);
                if (!nonzero) continue;
                Widen(x + ((long)r * _dim), xd + ((long)n * _dimPad), _dim);
                n++;
            }
        }

        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool WeightRow512(float* srow, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
    {
        var any = Vector512<double>.Zero;
        for (var g = 0; g < _stride; g += 16)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(srow + g));
            any |= Weight512(lo, g, wrow, m, cut, z, s, mn);
            any |= Weight512(hi, g + 8, wrow, m, cut, z, s, mn);
        }

        return any != Vector512<double>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Weight512(Vector512<double> theta, int g, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
    {
        Vector512.Min(Vector512.Load(mn + g), theta).Store(mn + g);
        var on = Vector512.GreaterThan(theta, Vector512.Load(cut + g));
        var d = Vector512.ConditionalSelect(on, theta - Vector512.Load(m + g), Vector512<double>.Zero);
        var w = Vector512.ConditionalSelect(on, Exp512(d), Vector512<double>.Zero);
        w.Store(wrow + g);
        (Vector512.Load(z + g) + w).Store(z + g);
        (Vector512.Load(s + g) + (w * d)).Store(s + g);
        return w;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool WeightRow256(float* srow, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
    {
        var any = Vector256<double>.Zero;
        for (var g = 0; g < _stride; g += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(srow + g));
            any |= Weight256(lo, g, wrow, m, cut, z, s, mn);
            any |= Weight256(hi, g + 4, wrow, m, cut, z, s, mn);
        }

        return any != Vector256<double>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Weight256(Vector256<double> theta, int g, double* wrow, double* m, double* cut, double* z, double* s, double* mn)
    {
        Vector256.Min(Vector256.Load(mn + g), theta).Store(mn + g);
        var on = Vector256.GreaterThan(theta, Vector256.Load(cut + g));
        var d = Vector256.ConditionalSelect(on, theta - Vector256.Load(m + g), Vector256<double>.Zero);
        var w = Vector256.ConditionalSelect(on, Exp256(d), Vector256<double>.Zero);
        w.Store(wrow + g);
        (Vector256.Load(z + g) + w).Store(z + g);
        (Vector256.Load(s + g) + (w * d)).Store(s + g);
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
    private static Vector512<double> Exp512(Vector512<double> d)
    {
        d = Vector512.Max(d, Vector512.Create(-750.0));
        var t = Vector512.FusedMultiplyAdd(d, Vector512.Create(Log2E), Vector512.Create(Shifter));
        var k = t - Vector512.Create(Shifter);
        var bits = t.AsInt64() - Vector512.Create(Shifter).AsInt64();
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Hi), d);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.Create(1.0 / 6227020800.0);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 479001600.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 39916800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 3628800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 362880.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 40320.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        var k1 = Vector512.ShiftRightArithmetic(bits, 1);
        var k2 = bits - k1;
        var bias = Vector512.Create(1023L);
        return p * Vector512.ShiftLeft(k1 + bias, 52).AsDouble() * Vector512.ShiftLeft(k2 + bias, 52).AsDouble();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Exp256(Vector256<double> d)
    {
        d = Vector256.Max(d, Vector256.Create(-750.0));
        var t = Vector256.MultiplyAddEstimate(d, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var k = t - Vector256.Create(Shifter);
        var bits = t.AsInt64() - Vector256.Create(Shifter).AsInt64();
        var r = Vector256.MultiplyAddEstimate(k, Vector256.Create(-Ln2Hi), d);
        r = Vector256.MultiplyAddEstimate(k, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.Create(1.0 / 6227020800.0);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 479001600.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 39916800.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 3628800.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 362880.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 40320.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 5040.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 720.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 120.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 24.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 6.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0));
        var k1 = Vector256.ShiftRightArithmetic(bits, 1);
        var k2 = bits - k1;
        var bias = Vector256.Create(1023L);
        return p * Vector256.ShiftLeft(k1 + bias, 52).AsDouble() * Vector256.ShiftLeft(k2 + bias, 52).AsDouble();
    }

    /// <summary>e^d (d ≤ 0) on one vector of the widest accelerated width, for tests of the polynomial against Math.Exp.</summary>
    internal static void ExpOf(ReadOnlySpan<double> d, Span<double> result)
    {
        for (var i = 0; i < d.Length; i++)
        {
            result[i] = Vector512.IsHardwareAccelerated
                ? Exp512(Vector512.Create(d[i])).ToScalar()
                : Exp256(Vector256.Create(d[i])).ToScalar();
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

    // Written out per width, like FusedKernels' blocks: 16 (AVX-512) or 8 (AVX2) named accumulators stay in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm512(double* w, int ls, double* x, int xs, int rows, double* rt)
    {
        var o0 = rt;
        var o1 = o0 + ls;
        var o2 = o1 + ls;
        var o3 = o2 + ls;
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
        var o0 = rt;
        var o1 = o0 + ls;
        var o2 = o1 + ls;
        var o3 = o2 + ls;
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
