using MessagePack;

namespace Hfy.Kernels.Maps;

/// <summary>
/// Additive summary of a map's mass function over a set of scores at one threshold τ.
/// Summaries from disjoint partitions add up to the summary of their union (docs/architecture.md, step 3). A wire
/// contract of the probe round too, hence the MessagePack keys (attributes only).
/// </summary>
/// <param name="Mass">Σ_i f(θ_i, τ): the quantity that must equal the map's target at the solution.</param>
/// <param name="Slope">Σ_i ∂f/∂τ (≤ 0), for safeguarded Newton steps.</param>
/// <param name="Count">Number of scores strictly inside the support at τ (weight &gt; 0).</param>
/// <param name="Sum">Σ of the map-scaled scores inside the support, measured from the probe: Σ (z_i − τ).
/// (Measured from τ so that the closed forms do not cancel large numbers; k-subsets: free entries only.)</param>
/// <param name="SumSq">Σ (z_i − τ)² over the same entries (closed-form τ for 1.5-entmax and 2-normmax).</param>
/// <param name="Saturated">k-subsets: number of scores whose weight is clipped at 1.</param>
[MessagePackObject]
public readonly record struct MassSummary(
    [property: Key(0)] double Mass,
    [property: Key(1)] double Slope,
    [property: Key(2)] long Count,
    [property: Key(3)] double Sum,
    [property: Key(4)] double SumSq,
    [property: Key(5)] long Saturated)
{
    /// <summary>Sum of two summaries over disjoint score sets.</summary>
    public static MassSummary operator +(MassSummary a, MassSummary b) =>
        new(a.Mass + b.Mass, a.Slope + b.Slope, a.Count + b.Count, a.Sum + b.Sum, a.SumSq + b.SumSq, a.Saturated + b.Saturated);
}

/// <summary>
/// A sparse map stated as a threshold problem: find τ such that Σ_i f(θ_i, τ) hits the target.
/// The same code serves one array (the kernel's <see cref="IMap.Forward"/>) and a bank split over
/// partitions (the distributed engine): partitions call <see cref="Probe"/> and <see cref="Weight"/>,
/// the coordinator drives a <see cref="ThresholdSearch"/>.
/// </summary>
public interface IThresholdMap : IMap
{
    /// <summary>Rank of the score that anchors the support bound: 1 (the max), or k for k-subsets.</summary>
    int AnchorRank { get; }

    /// <summary>Scores θ_i ≤ SupportBound(anchor) never carry weight (anchor = the AnchorRank-th largest score).</summary>
    double SupportBound(double anchorScore);

    /// <summary>Partition side: adds to <paramref name="into"/>[j] the mass summary of <paramref name="scores"/> at taus[j].</summary>
    void Probe(ReadOnlySpan<float> scores, ReadOnlySpan<double> taus, Span<MassSummary> into);

    /// <summary>The threshold at which score θ stops carrying weight: <see cref="Weight"/>(θ, τ) &gt; 0 exactly when τ &lt; ThresholdOf(θ).</summary>
    double ThresholdOf(double theta);

    /// <summary>The inverse of <see cref="ThresholdOf"/>: the score θ with ThresholdOf(θ) = τ (scores at or below it carry no weight at τ).</summary>
    double ScoreAt(double tau);

    /// <summary>Unnormalized weight of score θ at threshold τ (0 outside the support).</summary>
    double Weight(double theta, double tau);

    /// <summary>The additive part g(w) of Ω for one weight w = <see cref="Weight"/>(θ, τ): partitions sum it over their rows.</summary>
    double RegularizerTerm(double weight);

    /// <summary>Ω(p) from Σ g(w_i) and Σ w_i over every row (p = w, or w / Σw when <see cref="WeightsNeedNormalizing"/>).</summary>
    double RegularizerFromSums(double termSum, double weightSum);

    /// <summary>True when p = w / Σw (normmax); false when the weights at τ are already the output.</summary>
    bool WeightsNeedNormalizing { get; }

    /// <summary>Coordinator side: starts a threshold search for one score vector of <paramref name="n"/> entries.</summary>
    /// <param name="maxScore">Global max θ.</param>
    /// <param name="anchorScore">Global AnchorRank-th largest θ (= maxScore when AnchorRank is 1).</param>
    /// <param name="n">Number of finite scores.</param>
    ThresholdSearch BeginSearch(double maxScore, double anchorScore, long n);
}

/// <summary>
/// The coordinator's side of a threshold search, as a state machine so that an actor can drive it with
/// messages: ask partitions for the summaries at <see cref="NextProbes"/>, pass their sums to
/// <see cref="Absorb"/>, repeat until <see cref="IsDone"/>. Converges to τ exact to 1e-12 (closed form on
/// the identified support where one exists) in a few rounds, not one round per bisection step.
/// </summary>
public abstract class ThresholdSearch
{
    /// <summary>True once <see cref="Tau"/> is final.</summary>
    public abstract bool IsDone { get; }

    /// <summary>The solution τ (valid when <see cref="IsDone"/>).</summary>
    public abstract double Tau { get; }

    /// <summary>Number of probe rounds absorbed so far.</summary>
    public abstract int Rounds { get; }

    /// <summary>The τ values to probe in the next round (empty when done).</summary>
    public abstract double[] NextProbes();

    /// <summary>Takes the summed summaries, one per τ of the last <see cref="NextProbes"/>, in the same order.</summary>
    public abstract void Absorb(ReadOnlySpan<MassSummary> summed);

    /// <summary>
    /// Narrows the bracket to [<paramref name="lo"/>, <paramref name="hi"/>] ∩ the current one, before a round is
    /// asked for: bounds known from elsewhere (the exact solve on truncated candidate lists gives both).
    /// The caller guarantees M(lo) ≥ target ≥ M(hi); a bound outside the bracket is ignored.
    /// </summary>
    public abstract void Narrow(double lo, double hi);
}
