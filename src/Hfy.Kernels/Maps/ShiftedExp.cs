using System.Numerics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// e^{θ − m}(1 + δ) for a vector of scores, where θ − m = d + δ exactly (TwoSum): the exponential of the exact
/// shift, to below one ulp, Vector&lt;double&gt; wide (docs/math.md §2, softmax). e^d = 2^k e^r with
/// r = d − k ln2 (Cody–Waite: ln2 split so that k·ln2_hi is exact), |r| ≤ ln2/2, and e^r − 1 − r = r²·P(r) by its
/// Taylor series to r^13/13! (truncation below 2^-60 of the result); the result is assembled as
/// 2^k + 2^k·(r + r²P(r) + δ(1 + …)) by fused multiply-adds, so the only full-size rounding is the last one.
/// </summary>
internal static class ShiftedExp
{
    /// <summary>Below this d, 2^k is subnormal: such lanes are left to the scalar <see cref="Scalar"/>.</summary>
    public const double VectorFloor = -708.0;

    /// <summary>e^d is 0 in double below this (e^{−745.14} is the least subnormal); θ = −∞ (masked) is below it too.</summary>
    public const double Underflow = -746.0;

    private const double InvLn2 = 1.4426950408889634;
    private const double Ln2Hi = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: 32 significant bits
    private const double Ln2Lo = 1.90821492927058770002e-10; // 0x3DEA39EF35793C76
    private const double RoundShift = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer

    /// <summary>
    /// Lane-wise e^{θ − m}(1 + δ); lanes with θ − m ≤ <see cref="VectorFloor"/> (including θ = −∞) give 0 and set
    /// <paramref name="low"/>, for the caller to redo with <see cref="Scalar"/>.
    /// </summary>
    public static Vector<double> Vector(Vector<double> theta, Vector<double> max, out bool low)
    {
        var d = theta - max;
        var thetaPart = d + max;
        var maxPart = d - thetaPart;
        var delta = (theta - thetaPart) + (-max - maxPart);
        var inRange = System.Numerics.Vector.GreaterThan(d, new Vector<double>(VectorFloor));
        low = !System.Numerics.Vector.EqualsAll(inRange, System.Numerics.Vector<long>.AllBitsSet);
        d = System.Numerics.Vector.ConditionalSelect(inRange, d, Vector<double>.Zero);
        delta = System.Numerics.Vector.ConditionalSelect(inRange, delta, Vector<double>.Zero);

        // k = round(d / ln2) by the 1.5·2^52 trick (|d/ln2| < 2^51): its low bits are k.
        var shifted = (d * new Vector<double>(InvLn2)) + new Vector<double>(RoundShift);
        var k = shifted - new Vector<double>(RoundShift);
        var r = System.Numerics.Vector.FusedMultiplyAdd(k, new Vector<double>(-Ln2Hi), d);
        r = System.Numerics.Vector.FusedMultiplyAdd(k, new Vector<double>(-Ln2Lo), r);

        // P(r) = Σ_{j≥2} r^{j−2}/j!, Horner from 1/13!.
        var poly = new Vector<double>(1.0 / 6227020800.0);
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 479001600.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 39916800.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 3628800.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 362880.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 40320.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 5040.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 720.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 120.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 24.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(1.0 / 6.0));
        poly = System.Numerics.Vector.FusedMultiplyAdd(poly, r, new Vector<double>(0.5));
        var tail = System.Numerics.Vector.FusedMultiplyAdd(r * r, poly, r); // e^r − 1

        // e^{d+δ} = 2^k (1 + tail)(1 + δ) = 2^k (1 + tail + δ(1 + tail)).
        tail = System.Numerics.Vector.FusedMultiplyAdd(delta, tail + Vector<double>.One, tail);
        var bits = System.Numerics.Vector.AsVectorInt64(shifted) - System.Numerics.Vector.AsVectorInt64(new Vector<double>(RoundShift));
        var scale = System.Numerics.Vector.AsVectorDouble(System.Numerics.Vector.ShiftLeft(bits + new Vector<long>(1023), 52));
        var e = System.Numerics.Vector.FusedMultiplyAdd(scale, tail, scale);
        return System.Numerics.Vector.ConditionalSelect(inRange, e, Vector<double>.Zero);
    }

    /// <summary>e^{θ − m}(1 + δ) with the C runtime's exp (&lt; 1 ulp); 0 where it underflows.</summary>
    public static double Scalar(double theta, double max)
    {
        var d = theta - max;
        if (!(d > Underflow))
        {
            return 0.0;
        }

        var thetaPart = d + max;
        var maxPart = d - thetaPart;
        var delta = (theta - thetaPart) + (-max - maxPart);
        var e = Math.Exp(d);
        return Math.FusedMultiplyAdd(e, delta, e);
    }
}
