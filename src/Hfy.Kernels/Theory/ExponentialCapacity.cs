namespace Hfy.Kernels.Theory;

/// <summary>
/// The exponential-capacity theory the <c>exponential</c> experiment is compared with (Lucibello &amp; Mézard, PRL 132,
/// 077301, 2024; docs/math.md §16–§17). Notation: dimension N, P = e^{αN} patterns ξ_μ and states x on the sphere of
/// radius √N, overlaps φ = ξ·x / N, LSE scores θ_μ = β_net ξ_μ·x = β_net N φ_μ (with unit-norm rows the same model has
/// β = β_net N). docs/math.md writes D for the dimension and N for the pattern count.
/// </summary>
public static class ExponentialCapacity
{
    /// <summary>g(φ) = ½ ln(1 − φ²) + β_net φ: the exponent (per N) of the other patterns' softmax mass at overlap φ, less α.</summary>
    public static double G(double phi, double betaNet) => 0.5 * Math.Log(1 - phi * phi) + betaNet * phi;

    /// <summary>φ* = (√(1 + 4β_net²) − 1)/(2β_net), the maximiser of <see cref="G"/> (β_net φ² + φ − β_net = 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">β_net not finite and &gt; 0.</exception>
    public static double PhiStar(double betaNet)
    {
        CheckBeta(betaNet);
        // 2β / (√(1 + 4β²) + 1): the same root without the cancellation at small β.
        return 2 * betaNet / (Math.Sqrt(1 + 4 * betaNet * betaNet) + 1);
    }

    /// <summary>α_c(β_net) = β_net − g(φ*): the softmax (LSE) critical load (docs/math.md §16); α_c(1) = 0.622572.</summary>
    public static double CriticalLoad(double betaNet) => betaNet - G(PhiStar(betaNet), betaNet);

    /// <summary>φ_max(α) = √(1 − e^{−2α}): the largest overlap of e^{αN} independent uniform patterns with a given one, N → ∞.</summary>
    public static double LargestOverlap(double alpha)
    {
        if (!(alpha >= 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and ≥ 0");
        return Math.Sqrt(-SpecialFunctions.ExpM1(-2 * alpha));
    }

    /// <summary>
    /// The score threshold on the other patterns' overlaps: a stored pattern is returned exactly in one step from itself iff
    /// β_net N (1 − φ_max,other) ≥ m, i.e. φ_max,other ≤ c = 1 − m/(β_net N) (docs/math.md §17).
    /// </summary>
    public static double OneHotOverlapBound(int n, double betaNet, double margin)
    {
        CheckDim(n);
        CheckBeta(betaNet);
        if (!(margin > 0) || !double.IsFinite(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "m must be finite and > 0");
        return 1 - margin / (betaNet * n);
    }

    /// <summary>The one-step rule itself: true iff β_net N (1 − φ_max,other) ≥ m.</summary>
    public static bool PredictsOneHot(int n, double betaNet, double margin, double phiMaxOther)
        => betaNet * n * (1 - phiMaxOther) >= margin;

    /// <summary>
    /// ln F_N(t): the log CDF of the overlap u = ξ·ξ'/N of two independent uniform points on the sphere in R^N
    /// (density ∝ (1 − u²)^{(N−3)/2}, i.e. (1 + u)/2 ~ Beta((N−1)/2, (N−1)/2)); accurate when F_N is within 1e-300 of 1.
    /// </summary>
    public static double SphereOverlapLogCdf(int n, double t)
    {
        CheckDim(n);
        if (t >= 1) return 0;
        if (t <= -1) return double.NegativeInfinity;
        var a = (n - 1) / 2.0;
        // Tail P(u > |t|) = I_{(1−|t|)/2}(a, a), computed in log space; F(t) = 1 − tail for t ≥ 0, tail(−t) for t < 0.
        var logTail = SpecialFunctions.LogRegularizedBeta((1 - Math.Abs(t)) / 2, a, a);
        return t >= 0 ? SpecialFunctions.Log1P(-Math.Exp(logTail)) : logTail;
    }

    /// <summary>F_N(t) (see <see cref="SphereOverlapLogCdf"/>).</summary>
    public static double SphereOverlapCdf(int n, double t) => Math.Exp(SphereOverlapLogCdf(n, t));

    /// <summary>
    /// ln P(u ≤ t) for the overlap u = ξ·ξ'/N of two independent uniform ±1 vectors: u = 1 − 2h/N with h ~ Bin(N, ½).
    /// </summary>
    public static double BinaryOverlapLogCdf(int n, double t)
    {
        CheckDim(n);
        if (t >= 1) return 0;
        if (t < -1) return double.NegativeInfinity;
        // u ≤ t ⇔ h ≥ N(1 − t)/2; the rounding guard keeps u = t exactly (a tie) on the "≤" side.
        var kMin = (int)Math.Ceiling(n * (1 - t) / 2 - 1e-9);
        if (kMin <= 0) return 0;
        if (kMin > n) return double.NegativeInfinity;
        // ln P(h < kMin) by log-sum-exp; F = 1 − that, via log1p.
        var logLower = LogBinomialSum(n, 0, kMin - 1);
        var logUpper = LogBinomialSum(n, kMin, n);
        return logUpper < Math.Log(0.5) ? logUpper : SpecialFunctions.Log1P(-Math.Exp(logLower));
    }

    private static double LogBinomialSum(int n, int from, int to)
    {
        var max = double.NegativeInfinity;
        var terms = new double[to - from + 1];
        for (var h = from; h <= to; h++)
        {
            terms[h - from] = SpecialFunctions.LogGamma(n + 1) - SpecialFunctions.LogGamma(h + 1) - SpecialFunctions.LogGamma(n - h + 1) - n * Math.Log(2);
            max = Math.Max(max, terms[h - from]);
        }
        var s = 0.0;
        foreach (var v in terms) s += Math.Exp(v - max);
        return max + Math.Log(s);
    }

    /// <summary>
    /// ln(−ln F_N(t)) for the sphere (−ln F ≈ the tail 1 − F when that is tiny): stays finite when F_N(t) rounds to 1.
    /// </summary>
    public static double SphereOverlapLogNegLogCdf(int n, double t)
    {
        CheckDim(n);
        if (t >= 1) return double.NegativeInfinity;
        if (t <= -1) return double.PositiveInfinity;
        if (t < 0) return Math.Log(-SphereOverlapLogCdf(n, t));
        var a = (n - 1) / 2.0;
        var logTail = SpecialFunctions.LogRegularizedBeta((1 - t) / 2, a, a);
        // −ln(1 − T) = T (1 + T/2 + …): below e^{−40} the correction is beyond double precision.
        return logTail < -40 ? logTail : Math.Log(-SpecialFunctions.Log1P(-Math.Exp(logTail)));
    }

    /// <summary>
    /// ln P(one-hot) = (P − 1) ln F_N(1 − m/(β_net N)): the exact finite-N log-probability that a stored pattern is
    /// returned exactly in one step from itself, for P patterns uniform on the sphere (binary: ±1 patterns).
    /// Exact for every P (the P − 1 other overlaps with the target are independent); computed in log space for P up to 1e9+.
    /// </summary>
    public static double OneHotLogProbability(int n, double patterns, double betaNet, double margin, bool binary = false)
    {
        if (!(patterns >= 1)) throw new ArgumentOutOfRangeException(nameof(patterns), patterns, "P must be ≥ 1");
        if (patterns == 1) return 0;
        var logNegLogF = LogNegLogF(n, betaNet, margin, binary);
        return -Math.Exp(Math.Log(patterns - 1) + logNegLogF);
    }

    /// <summary>P(one-hot) (see <see cref="OneHotLogProbability"/>).</summary>
    public static double OneHotProbability(int n, double patterns, double betaNet, double margin, bool binary = false)
        => Math.Exp(OneHotLogProbability(n, patterns, betaNet, margin, binary));

    /// <summary>
    /// The exact finite-N sparse threshold: the load α = ln P / N at which <see cref="OneHotProbability"/> = ½
    /// (P − 1 = ln 2 / (−ln F_N(c))).
    /// </summary>
    public static double SparseLoadExact(int n, double betaNet, double margin, bool binary = false)
    {
        var logNegLogF = LogNegLogF(n, betaNet, margin, binary);
        if (double.IsNegativeInfinity(logNegLogF)) return double.PositiveInfinity;
        if (double.IsPositiveInfinity(logNegLogF)) return 0;
        // ln(1 + e^x), x = ln ln 2 − ln(−ln F), without overflow.
        var x = Math.Log(Math.Log(2)) - logNegLogF;
        var softplus = x > 30 ? x : SpecialFunctions.Log1P(Math.Exp(x));
        return softplus / n;
    }

    private static double LogNegLogF(int n, double betaNet, double margin, bool binary)
    {
        var c = OneHotOverlapBound(n, betaNet, margin);
        if (!binary) return SphereOverlapLogNegLogCdf(n, c);
        var logF = BinaryOverlapLogCdf(n, c);
        return logF == 0 ? double.NegativeInfinity : Math.Log(-logF);
    }

    /// <summary>
    /// α_sparse(N, β_net) = −½ ln(1 − c²), c = 1 − m/(β_net N): the large-N form of the sparse threshold (φ_max(α) = c;
    /// drops a polynomial factor of <see cref="SparseLoadExact"/>); 0 when c ≤ 0.
    /// </summary>
    public static double SparseLoadLargeN(int n, double betaNet, double margin)
    {
        var c = OneHotOverlapBound(n, betaNet, margin);
        return c <= 0 ? 0 : -0.5 * Math.Log(1 - c * c);
    }

    /// <summary>
    /// The exact finite-N median of φ_max,other, the largest overlap of P − 1 independent uniform patterns with a given one:
    /// the φ with F_N(φ)^{P−1} = ½ (bisection; binary: the ±1 law, whose median is one of its discrete values).
    /// </summary>
    public static double LargestOverlapMedian(int n, double patterns, bool binary = false)
    {
        CheckDim(n);
        if (!(patterns >= 2)) throw new ArgumentOutOfRangeException(nameof(patterns), patterns, "P must be ≥ 2");
        var target = Math.Log(0.5);
        double lo = -1, hi = 1;
        for (var i = 0; i < 200 && hi - lo > 1e-15; i++)
        {
            var mid = 0.5 * (lo + hi);
            var logF = binary ? BinaryOverlapLogCdf(n, mid) : SphereOverlapLogCdf(n, mid);
            if ((patterns - 1) * logF >= target) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /// <summary>Predicted basin boundary of a sparse map: a start at overlap φ₀ ≳ √(1 − e^{−2α}) + m/(β_net N) returns the pattern in one step.</summary>
    public static double BasinBoundary(double alpha, int n, double betaNet, double margin)
        => LargestOverlap(alpha) + (1 - OneHotOverlapBound(n, betaNet, margin));

    /// <summary>The N-ramp at fixed P: N = round(ln P / α) (at least 2).</summary>
    public static int RampDimension(double patterns, double alpha)
    {
        if (!(patterns >= 2) || !double.IsFinite(patterns)) throw new ArgumentOutOfRangeException(nameof(patterns), patterns, "P must be finite and ≥ 2");
        if (!(alpha > 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and > 0");
        return Math.Max(2, (int)Math.Round(Math.Log(patterns) / alpha, MidpointRounding.AwayFromZero));
    }

    /// <summary>The pattern count at fixed N: P = round(e^{αN}) (at least 1).</summary>
    public static double PatternCount(int n, double alpha)
    {
        CheckDim(n);
        if (!(alpha >= 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and ≥ 0");
        return Math.Max(1, Math.Round(Math.Exp(alpha * n), MidpointRounding.AwayFromZero));
    }

    private static void CheckBeta(double betaNet)
    {
        if (!(betaNet > 0) || !double.IsFinite(betaNet)) throw new ArgumentOutOfRangeException(nameof(betaNet), betaNet, "β_net must be finite and > 0");
    }

    private static void CheckDim(int n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "N must be ≥ 2");
    }
}
