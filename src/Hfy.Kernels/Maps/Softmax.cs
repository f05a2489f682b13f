using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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
    /// Z ≤ 1.5 (each e_i's error enters Z weighted by e_i/Z), division 0.5 — within 4 ulps. The exponentials are
    /// <see cref="ShiftedExp"/>'s (below one ulp, vectorized; <c>TensorPrimitives.Exp</c>'s ~1.5-ulp ones gave
    /// p_i 3.3 ulps off at N = 1e5).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        var sums = Vector<double>.Zero;
        var compensations = Vector<double>.Zero;
        double sum = 0, compensation = 0;
        var i = 0;
        var low = false;
        if (Vector.IsHardwareAccelerated)
        {
            var vmax = new Vector<double>(max);
            for (; i <= theta.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var x = ShiftedExp.Vector(new Vector<double>(theta[i..]), vmax, out var lowLanes);
                low |= lowLanes;
                x.CopyTo(p[i..]);

                // Neumaier per lane; every term is ≥ 0, so the larger of (sum, x) is the sum.
                var total = sums + x;
                compensations += Vector.ConditionalSelect(Vector.GreaterThanOrEqual(sums, x), (sums - total) + x, (x - total) + sums);
                sums = total;
            }
        }

        for (var lane = 0; lane < Vector<double>.Count; lane++)
        {
            Add(ref sum, ref compensation, sums[lane]);
            Add(ref sum, ref compensation, compensations[lane]);
        }

        for (; i < theta.Length; i++)
        {
            p[i] = ShiftedExp.Scalar(theta[i], max);
            Add(ref sum, ref compensation, p[i]);
        }

        if (low)
        {
            // Lanes whose e^d is subnormal or 0 (θ − max ≤ −708, masked scores): the scalar exp, rarely needed.
            for (var j = 0; j < i && j < theta.Length; j++)
            {
                if (!(theta[j] - max > ShiftedExp.VectorFloor))
                {
                    p[j] = ShiftedExp.Scalar(theta[j], max);
                    Add(ref sum, ref compensation, p[j]);
                }
            }
        }

        TensorPrimitives.Divide(p, sum + compensation, p);
        return double.NaN;
    }

    /// <summary>Neumaier step: sum + compensation gains x with the rounding error kept.</summary>
    private static void Add(ref double sum, ref double compensation, double x)
    {
        var t = sum + x;
        compensation += Math.Abs(sum) >= Math.Abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
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
