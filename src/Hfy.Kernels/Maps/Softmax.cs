using System.Numerics;
using System.Numerics.Tensors;

namespace Hfy.Kernels.Maps;

/// <summary>
/// Softmax (docs/math.md §2, Shannon entropy): p = exp(θ − max θ)/Σ exp(θ − max θ). Never sparse;
/// −∞ entries (masked) get weight 0. Forward returns NaN: softmax has no threshold.
/// </summary>
public sealed class Softmax : IMap
{
    /// <summary>Softmax.</summary>
    public Softmax()
        : this(MapSpec.Softmax)
    {
    }

    /// <summary>Softmax carrying the given spec (e.g. an entmax spec with α = 1).</summary>
    public Softmax(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
    }

    /// <inheritdoc />
    public MapSpec Spec { get; }

    /// <inheritdoc />
    public double OutputMass => 1.0;

    /// <inheritdoc />
    /// <remarks>
    /// Every p_i is within a few ulps (relative) of the exact-arithmetic softmax of the given doubles:
    /// θ_i − max is carried as an exact two-term sum d + δ (TwoSum) and e_i = e^d(1 + δ) by one fused
    /// multiply-add, so the shift loses nothing even when |θ_i − max| is large; Z = Σ e_i is accumulated with
    /// Neumaier compensation (one running sum per vector lane, the lanes then added the same way), so its error
    /// does not grow with N; p_i = e_i / Z is one correctly rounded division. Budget: exp ≤ 1 ulp, e_i ≤ 1.5,
    /// Z ≤ 1.5 (each e_i's error enters Z weighted by e_i/Z), division 0.5 — within 4 ulps (1.5 measured at
    /// N = 1e5). Shift, correction, sum and division are vectorized; the exponentials are scalar.
    /// </remarks>
    public double Forward(ReadOnlySpan<double> theta, Span<double> p)
    {
        ScoreVectors.CheckSameLength(theta, p.Length, nameof(p));
        if (theta.IsEmpty)
        {
            ScoreVectors.MaxFinite(theta, out _);
        }

        // Max is NaN when any score is NaN; NaN, +∞ and all-masked get ScoreVectors' message.
        var max = TensorPrimitives.Max(theta);
        if (!double.IsFinite(max))
        {
            max = ScoreVectors.MaxFinite(theta, out _);
        }

        Span<double> delta = stackalloc double[Chunk];
        var sums = Vector<double>.Zero;
        var compensations = Vector<double>.Zero;
        double sum = 0, compensation = 0;
        for (var start = 0; start < theta.Length; start += Chunk)
        {
            var length = Math.Min(Chunk, theta.Length - start);
            var t = theta.Slice(start, length);
            var e = p.Slice(start, length);
            var dl = delta[..length];
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vmax = new Vector<double>(max);
                var negMax = -vmax;
                var floor = new Vector<double>(Underflow);
                for (; i <= length - Vector<double>.Count; i += Vector<double>.Count)
                {
                    var v = new Vector<double>(t[i..]);
                    var d = v - vmax;
                    var thetaPart = d + vmax;
                    var maxPart = d - thetaPart;
                    var err = (v - thetaPart) + (negMax - maxPart);
                    d.CopyTo(e[i..]);
                    Vector.ConditionalSelect(Vector.GreaterThan(d, floor), err, Vector<double>.Zero).CopyTo(dl[i..]);
                }
            }

            for (; i < length; i++)
            {
                (e[i], dl[i]) = ExactShift(t[i], max);
            }

            // Scalar Math.Exp (the C runtime's, < 1 ulp): TensorPrimitives.Exp is ~4× faster but its ~1.5-ulp
            // exponentials gave p_i 3.3 ulps off at N = 1e5 (vs 1.5 here), too close to the 4-ulp guarantee.
            for (var k = 0; k < e.Length; k++)
            {
                e[k] = Math.Exp(e[k]);
            }

            i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= length - Vector<double>.Count; i += Vector<double>.Count)
                {
                    var x = new Vector<double>(e[i..]);
                    x = Vector.FusedMultiplyAdd(x, new Vector<double>(dl[i..]), x);
                    x.CopyTo(e[i..]);

                    // Neumaier per lane; every term is ≥ 0, so the larger of (sum, x) is the sum.
                    var total = sums + x;
                    compensations += Vector.ConditionalSelect(Vector.GreaterThanOrEqual(sums, x), (sums - total) + x, (x - total) + sums);
                    sums = total;
                }
            }

            for (; i < length; i++)
            {
                var x = Math.FusedMultiplyAdd(e[i], dl[i], e[i]);
                e[i] = x;
                Add(ref sum, ref compensation, x);
            }
        }

        for (var lane = 0; lane < Vector<double>.Count; lane++)
        {
            Add(ref sum, ref compensation, sums[lane]);
            Add(ref sum, ref compensation, compensations[lane]);
        }

        TensorPrimitives.Divide(p, sum + compensation, p);
        return double.NaN;
    }

    /// <summary>Elements per pass: the TwoSum errors live on the stack.</summary>
    private const int Chunk = 256;

    /// <summary>e^d is 0 in double below this (e^{−745.14} is the least subnormal); θ = −∞ (masked) is below it too.</summary>
    private const double Underflow = -746.0;

    /// <summary>Neumaier step: sum + compensation gains x with the rounding error kept.</summary>
    private static void Add(ref double sum, ref double compensation, double x)
    {
        var t = sum + x;
        compensation += Math.Abs(sum) >= Math.Abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }

    /// <summary>θ − max as d + δ exactly (TwoSum); δ = 0 where e^d underflows (also θ = −∞).</summary>
    private static (double D, double Delta) ExactShift(double theta, double max)
    {
        var d = theta - max;
        if (!(d > Underflow))
        {
            return (d, 0.0);
        }

        var thetaPart = d + max;
        var maxPart = d - thetaPart;
        return (d, (theta - thetaPart) + (-max - maxPart));
    }

    /// <inheritdoc />
    /// <remarks>dθ = p⊙(dp − pᵀdp).</remarks>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> p, ReadOnlySpan<double> dp, Span<double> dtheta)
    {
        MapCalculus.CheckBackwardShapes(theta, p, dp, dtheta);
        double pdp = 0;
        for (var i = 0; i < p.Length; i++)
        {
            pdp += p[i] * dp[i];
        }

        for (var i = 0; i < p.Length; i++)
        {
            dtheta[i] = p[i] * (dp[i] - pdp);
        }
    }

    /// <inheritdoc />
    /// <remarks>Ω(p) = Σ p_i log p_i (0 log 0 = 0), so Ω*(θ) = log Σ exp θ_i.</remarks>
    public double Regularizer(ReadOnlySpan<double> p)
    {
        double s = 0;
        foreach (var v in p)
        {
            if (v > 0)
            {
                s += v * Math.Log(v);
            }
        }

        return s;
    }
}
