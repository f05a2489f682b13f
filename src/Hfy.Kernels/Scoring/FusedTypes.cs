using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Scoring;

/// <summary>
/// What the fused scorer keeps of one query's scores θ_i = β x_iᵀq (docs/math.md §1): always the max; optionally the
/// online-softmax triple and the candidates above a support bound.
/// </summary>
/// <param name="Softmax">Accumulate (m, Z = Σ e^{θ−m}, r = Σ e^{θ−m} x_i) in float64.</param>
/// <param name="Margin">
/// Candidates are the rows with θ_i &gt; ref − Margin, ref = the K-th largest score (K = 1: the max); null: no
/// margin-relative bound (then <paramref name="FixedBound"/> alone decides). A threshold map with support bound
/// τ ≥ ref − Margin (sparsemax: Margin = 1) finds its whole support among the candidates.
/// </param>
/// <param name="K">Rank of the reference score (k-subsets: k); 1 = the max.</param>
/// <param name="FixedBound">Candidates also need θ_i &gt; FixedBound (a second pass sets it to the first pass's bound).</param>
/// <param name="MaxHint">A score some row attains (e.g. the previous winner's new score), or −∞: the running max starts
/// there, which prunes candidates and softmax terms early. The reported max is max(MaxHint, max_i θ_i).</param>
/// <param name="Tighten">
/// A threshold map of anchor rank 1 (sparsemax, entmax, normmax), or null: the pass also keeps the
/// <see cref="TightenRows"/> largest scores and solves the map on them. A subset's mass is at most the whole set's, so
/// its threshold τ_S ≤ τ*, and rows with ThresholdOf(θ) ≤ τ_S carry no weight: the candidate bound rises to that θ
/// (never below reference − Margin). 1.5-entmax at β = 10 over 4·10⁶ rows: ~2,900 candidates per query become ~50.
/// </param>
public sealed record QueryReduction(
    bool Softmax = false,
    double? Margin = null,
    int K = 1,
    double FixedBound = double.NegativeInfinity,
    double MaxHint = double.NegativeInfinity,
    MapSpec? Tighten = null)
{
    /// <summary>Scores the <see cref="Tighten"/> solve runs on.</summary>
    public const int TightenRows = 64;

    /// <summary>
    /// The <see cref="Tighten"/> of <paramref name="map"/>: its spec for a threshold map of anchor rank 1, else null
    /// (k-subsets' tightened bound was measured slower than its k-th-largest bound and is not used).
    /// </summary>
    public static MapSpec? TightenSpec(IMap? map) => map is IThresholdMap { AnchorRank: 1 } ? map.Spec : null;

    /// <summary>
    /// The reduction a retrieval step with <paramref name="map"/> needs: softmax → the online-softmax triple;
    /// a threshold map → candidates above its support bound (margin = anchor − SupportBound(anchor), K = its anchor
    /// rank: sparsemax / entmax / normmax take the max, k-subsets the k-th largest); any other map → the max only.
    /// </summary>
    public static QueryReduction ForMap(IMap map, double maxHint = double.NegativeInfinity)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map switch
        {
            Maps.Softmax => new QueryReduction(Softmax: true, MaxHint: maxHint),
            IThresholdMap tm => new QueryReduction(Margin: -tm.SupportBound(0.0), K: tm.AnchorRank, MaxHint: maxHint, Tighten: TightenSpec(tm)),
            _ => new QueryReduction(MaxHint: maxHint),
        };
    }

    /// <summary>True when this query collects candidates.</summary>
    public bool CollectsCandidates => Margin.HasValue || FixedBound > double.NegativeInfinity;
}

/// <summary>A fused scoring pass: β, one <see cref="QueryReduction"/> per query, the candidate cap and the softmax tolerance.</summary>
/// <param name="Beta">Inverse temperature β.</param>
/// <param name="Queries">One reduction per query (length = batch).</param>
/// <param name="CandidateCap">c: at most this many candidates per query; more sets <see cref="FusedQueryResult.CapHit"/>.</param>
/// <param name="SoftmaxTolerance">
/// 0 (default): every row enters the softmax sums (rows with θ − m &lt; −746 add exactly 0 in float64 anyway).
/// ε &gt; 0: rows with e^{θ−m} &lt; ε/N are skipped; since Z ≥ 1 the skipped mass is &lt; ε relative to Z.
/// </param>
public sealed record FusedScoreRequest(double Beta, IReadOnlyList<QueryReduction> Queries, int CandidateCap = 4096, double SoftmaxTolerance = 0)
{
    /// <summary>The same reduction for every one of <paramref name="batch"/> queries.</summary>
    public static FusedScoreRequest ForAll(double beta, int batch, QueryReduction reduction, int candidateCap = 4096, double softmaxTolerance = 0) =>
        new(beta, Enumerable.Repeat(reduction, batch).ToArray(), candidateCap, softmaxTolerance);
}

/// <summary>What the fused pass kept of one query.</summary>
public sealed class FusedQueryResult
{
    /// <summary>max_i θ_i (−∞ for an empty store), or the hint when larger.</summary>
    public double Max { get; init; }

    /// <summary>The K-th largest score (K = 1: <see cref="Max"/>; −∞ when the store has fewer than K rows).</summary>
    public double Reference { get; init; }

    /// <summary>Softmax queries: the smallest score min_i θ_i (+∞ for an empty store; NaN for other queries).</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>The online-softmax triple (null unless requested).</summary>
    public OnlineSoftmaxState? Softmax { get; init; }

    /// <summary>The final candidate bound: candidates are exactly the rows with θ_i &gt; Bound (unless <see cref="CapHit"/>).</summary>
    public double Bound { get; init; }

    /// <summary>Candidate row ids, ascending (empty unless candidates were requested).</summary>
    public long[] Ids { get; init; } = [];

    /// <summary>Candidate scores θ_i (float32, as scored), matching <see cref="Ids"/>.</summary>
    public float[] Scores { get; init; } = [];

    /// <summary>
    /// More than the cap of rows lie above <see cref="Bound"/>: <see cref="Ids"/> then holds the cap largest of them
    /// only, and the exact set needs a second pass (<see cref="FusedScorer.RunExact"/> does it).
    /// </summary>
    public bool CapHit { get; init; }
}
