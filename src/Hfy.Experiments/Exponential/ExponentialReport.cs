using System.Globalization;
using System.Text;
using Hfy.Experiments.Results;
using Hfy.Kernels.Theory;

namespace Hfy.Experiments.Exponential;

/// <summary>One grid point aggregated over its banks.</summary>
/// <param name="Dim">N.</param>
/// <param name="Patterns">P.</param>
/// <param name="Alpha">α as written.</param>
/// <param name="AlphaEff">ln P / N.</param>
/// <param name="BetaNet">β_net.</param>
/// <param name="Map">Map label.</param>
/// <param name="Margin">m (sparse maps).</param>
/// <param name="Start">φ₀.</param>
/// <param name="Banks">Banks aggregated.</param>
/// <param name="Queries">Queries over all banks.</param>
/// <param name="Successes">Successful queries.</param>
/// <param name="Lo">Wilson 95% lower bound of the success fraction.</param>
/// <param name="Hi">Wilson 95% upper bound.</param>
/// <param name="OneHot">Sparse maps: one-step exact queries.</param>
/// <param name="OneHotLo">Wilson lower bound of the one-hot rate.</param>
/// <param name="OneHotHi">Wilson upper bound of the one-hot rate.</param>
/// <param name="OneHotProbability">Sparse maps: the exact finite-N P(one-hot).</param>
/// <param name="Disagreements">Sparse maps: per-query one-step results that contradict their own gap.</param>
/// <param name="Ties">Sparse maps: queries in the tie band.</param>
/// <param name="MeanPhiMaxOther">Mean measured φ_max,other.</param>
/// <param name="MedianPhiMaxOther">Median measured φ_max,other.</param>
/// <param name="MeanPhiTarget">Mean final φ_target.</param>
/// <param name="WallMs">Dynamics plus scan time over the banks.</param>
/// <param name="Dominant">Queries whose target weight at x = ξ is ≥ ½ (the α_c criterion of docs/math.md §16).</param>
/// <param name="MedianWeight">Softmax: the median over queries of the target's weight at x = ξ (NaN for sparse maps).</param>
public sealed record ExponentialGroup(int Dim, long Patterns, double Alpha, double AlphaEff, double BetaNet, string Map, double? Margin, double Start,
    int Banks, int Queries, int Successes, double Lo, double Hi, int? OneHot, double? OneHotLo, double? OneHotHi, double? OneHotProbability,
    int? Disagreements, int? Ties, double MeanPhiMaxOther, double MedianPhiMaxOther, double MeanPhiTarget, double WallMs, int Dominant = 0,
    double MedianWeight = double.NaN)
{
    /// <summary>Success fraction.</summary>
    public double Rate => Queries == 0 ? 0 : (double)Successes / Queries;

    /// <summary>Sparse maps: whether the exact P(one-hot) lies in the one-hot rate's Wilson interval.</summary>
    public bool? OneHotInInterval => OneHotProbability is { } p ? p >= OneHotLo - 1e-12 && p <= OneHotHi + 1e-12 : null;
}

/// <summary>A measured threshold α̂ for one (size, β_net, map, φ₀), with theory beside it.</summary>
/// <param name="Dim">N (fixed-N sweeps), or N at the threshold, ln P / α̂ (N-ramp).</param>
/// <param name="Patterns">P for the N-ramp, 0 for fixed-N sweeps.</param>
/// <param name="BetaNet">β_net.</param>
/// <param name="Map">Map label.</param>
/// <param name="Start">φ₀.</param>
/// <param name="Success">α̂ where the success fraction crosses ½.</param>
/// <param name="OneHot">Sparse maps: α̂ where the one-step one-hot rate crosses ½.</param>
/// <param name="Theory">Softmax: α_c(β_net); sparse maps (fixed N): the exact finite-N α where P(one-hot) = ½.</param>
/// <param name="LargeN">Sparse maps: the large-N form α_sparse(N, β_net) = −½ ln(1 − (1 − m/(β_net N))²); softmax: α_c.</param>
/// <param name="Dominance">α̂ where the fraction of queries whose target weight at x = ξ is ≥ ½ crosses ½ (the quantity α_c is about).</param>
/// <param name="MedianWeight">
/// Softmax: α̂ where the median target weight at x = ξ crosses ½ (ln p interpolated linearly in α between the points
/// either side). At large P every query of a bank has nearly the same weight, so this resolves the crossing inside a
/// bracket of N where the fraction above jumps from all to none.
/// </param>
public sealed record ExponentialThreshold(double Dim, long Patterns, double BetaNet, string Map, double Start, ThresholdEstimate Success,
    ThresholdEstimate? OneHot, double Theory, double LargeN, ThresholdEstimate? Dominance = null, ThresholdEstimate? MedianWeight = null);

/// <summary>The 1/N extrapolation of α̂(N) for one (β_net, map, φ₀).</summary>
/// <param name="BetaNet">β_net.</param>
/// <param name="Map">Map label.</param>
/// <param name="Start">φ₀.</param>
/// <param name="Fit">α̂ = a + b/N (null with fewer than two thresholds).</param>
/// <param name="AlphaC">α_c(β_net).</param>
/// <param name="Sparse">Whether the map is sparse (its threshold grows like ½ ln N: no finite limit to extrapolate to).</param>
/// <param name="DominanceFit">The same fit of the p_target ≥ ½ threshold.</param>
public sealed record ExponentialExtrapolation(double BetaNet, string Map, double Start, LineFit? Fit, double AlphaC, bool Sparse, LineFit? DominanceFit = null);

/// <summary>A sparse map's measured basin boundary at one (N, α, β_net): the start overlap φ₀ where success crosses ½.</summary>
/// <param name="Dim">N.</param>
/// <param name="AlphaEff">ln P / N.</param>
/// <param name="BetaNet">β_net.</param>
/// <param name="Map">Map label.</param>
/// <param name="Measured">The interpolated φ₀ (null when no crossing inside the starts).</param>
/// <param name="Predicted">√(1 − e^{−2α}) + m/(β_net N).</param>
public sealed record BasinBoundaryRow(int Dim, double AlphaEff, double BetaNet, string Map, double? Measured, double Predicted);

/// <summary>Summaries, theory comparison and exports of an exponential experiment.</summary>
public static class ExponentialReport
{
    /// <summary>The exponential metrics of the stored cells.</summary>
    public static IReadOnlyList<ExponentialCellMetrics> Metrics(IEnumerable<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return cells.OrderBy(c => c.Index).Select(c => c.Metrics.Exponential).OfType<ExponentialCellMetrics>().ToArray();
    }

    private static double Median(double[] sorted) =>
        sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);

    /// <summary>Grid points aggregated over banks, in (map, β_net, φ₀, N, α) order.</summary>
    public static IReadOnlyList<ExponentialGroup> Groups(IEnumerable<ExponentialCellMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics.GroupBy(m => (m.Dim, m.Patterns, m.Alpha, m.BetaNet, m.Map, m.Start)).Select(g =>
        {
            var f = g.First();
            var rows = g.SelectMany(m => m.Rows).ToArray();
            var k = g.Sum(m => m.Successes);
            var (lo, hi) = ExponentialEstimators.Wilson(k, rows.Length);
            int? oneHot = f.Margin is null ? null : g.Sum(m => m.OneHot ?? 0);
            double? ohLo = null, ohHi = null;
            if (oneHot is { } h) (ohLo, ohHi) = ExponentialEstimators.Wilson(h, rows.Length);
            var sorted = rows.Select(r => r.PhiMaxOther).OrderBy(x => x).ToArray();
            var median = Median(sorted);
            var weight = f.Margin is null ? Median(rows.Select(r => r.WeightAtPattern).OrderBy(x => x).ToArray()) : double.NaN;
            return new ExponentialGroup(f.Dim, f.Patterns, f.Alpha, f.AlphaEff, f.BetaNet, f.Map, f.Margin, f.Start, g.Count(), rows.Length, k, lo, hi,
                oneHot, ohLo, ohHi, f.OneHotProbability, f.Margin is null ? null : g.Sum(m => m.Disagreements ?? 0),
                f.Margin is null ? null : g.Sum(m => m.Ties ?? 0), rows.Length == 0 ? double.NaN : rows.Average(r => r.PhiMaxOther), median,
                rows.Length == 0 ? double.NaN : rows.Average(r => r.PhiTarget), g.Sum(m => m.DynamicsMs + m.ScanMs), rows.Count(r => r.WeightAtPattern >= 0.5), weight);
        }).OrderBy(x => x.Map, StringComparer.Ordinal).ThenBy(x => x.BetaNet).ThenBy(x => x.Start).ThenBy(x => x.Dim).ThenBy(x => x.AlphaEff).ToArray();
    }

    /// <summary>Whether the groups come from an N-ramp (one P, several N) rather than fixed-N sweeps.</summary>
    public static bool IsRamp(IReadOnlyList<ExponentialGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return groups.Count > 0 && groups.Select(g => g.Patterns).Distinct().Count() == 1 && groups.Select(g => g.Dim).Distinct().Count() > 1;
    }

    /// <summary>α̂ per (N, β_net, map, φ₀) for fixed-N sweeps, per (P, β_net, map, φ₀) for the N-ramp.</summary>
    public static IReadOnlyList<ExponentialThreshold> Thresholds(IReadOnlyList<ExponentialGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ramp = IsRamp(groups);
        var list = new List<ExponentialThreshold>();
        foreach (var g in groups.GroupBy(x => (Size: ramp ? x.Patterns : x.Dim, x.BetaNet, x.Map, x.Start)))
        {
            var pts = g.OrderBy(x => x.AlphaEff).ToArray();
            var success = ExponentialEstimators.Crossing(pts.Select(x => (x.AlphaEff, x.Rate, x.Lo, x.Hi)).ToArray());
            var f = pts[0];
            ThresholdEstimate? oneHot = null;
            if (f.Margin is not null)
            {
                oneHot = ExponentialEstimators.Crossing(pts.Select(x => (x.AlphaEff, (double)x.OneHot!.Value / Math.Max(1, x.Queries), x.OneHotLo!.Value, x.OneHotHi!.Value)).ToArray());
            }
            var dominance = ExponentialEstimators.Crossing(pts.Select(x =>
            {
                var (lo, hi) = ExponentialEstimators.Wilson(x.Dominant, x.Queries);
                return (x.AlphaEff, (double)x.Dominant / Math.Max(1, x.Queries), lo, hi);
            }).ToArray());
            var weight = f.Margin is null ? ExponentialEstimators.MedianCrossing(pts.Select(x => (x.AlphaEff, x.MedianWeight)).ToArray()) : null;
            var alphaC = ExponentialCapacity.CriticalLoad(f.BetaNet);
            // N-ramp: the dimension at the threshold, N̂ = ln P / α̂, of the estimate the theory column is about.
            var key = (f.Margin is null ? dominance : oneHot!).Value ?? success.Value;
            double dim = ramp ? (key is { } a ? Math.Log(f.Patterns) / a : double.NaN) : f.Dim;
            double theory = alphaC, largeN = alphaC;
            if (f.Margin is { } m)
            {
                theory = ramp ? RampSparseLoadExact(f.Patterns, f.BetaNet, m) : ExponentialCapacity.SparseLoadExact(f.Dim, f.BetaNet, m);
                largeN = ramp ? RampSparseLoadLargeN(f.Patterns, f.BetaNet, m) : ExponentialCapacity.SparseLoadLargeN(f.Dim, f.BetaNet, m);
            }
            list.Add(new ExponentialThreshold(dim, ramp ? f.Patterns : 0, f.BetaNet, f.Map, f.Start, success, oneHot, theory, largeN, dominance, weight));
        }
        return list;
    }

    /// <summary>At fixed P: the load ln P / N where the exact P(one-hot) crosses ½ (N integer, interpolated linearly in α).</summary>
    public static double RampSparseLoadExact(long patterns, double betaNet, double margin)
    {
        var lnP = Math.Log(patterns);
        double previous = double.NaN;
        for (var n = 2; n <= ExponentialValidation.MaxDim; n++)
        {
            var p = ExponentialCapacity.OneHotProbability(n, patterns, betaNet, margin);
            if (p >= 0.5)
            {
                if (double.IsNaN(previous)) return lnP / n;
                var t = (0.5 - previous) / (p - previous);
                return lnP / (n - 1) + t * (lnP / n - lnP / (n - 1));
            }
            previous = p;
        }
        return double.NaN;
    }

    /// <summary>At fixed P: the large-N sparse load, the α with √(1 − e^{−2α}) = 1 − m α / (β_net ln P) (bisection).</summary>
    public static double RampSparseLoadLargeN(long patterns, double betaNet, double margin)
    {
        var lnP = Math.Log(patterns);
        double lo = 1e-9, hi = 50;
        for (var i = 0; i < 200; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (ExponentialCapacity.LargestOverlap(mid) < 1 - margin * mid / (betaNet * lnP)) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>α̂(N) fitted as a + b/N per (β_net, map, φ₀): the N → ∞ extrapolation.</summary>
    public static IReadOnlyList<ExponentialExtrapolation> Extrapolations(IReadOnlyList<ExponentialThreshold> thresholds, IReadOnlyList<ExponentialGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(groups);
        var sparse = groups.Where(g => g.Margin is not null).Select(g => g.Map).ToHashSet(StringComparer.Ordinal);
        return thresholds.GroupBy(t => (t.BetaNet, t.Map, t.Start)).Select(g =>
        {
            var pts = g.Where(t => t.Success.Value is not null && double.IsFinite(t.Dim))
                .Select(t => (1 / t.Dim, t.Success.Value!.Value, t.Success.Sigma)).ToArray();
            var dom = g.Where(t => t.Dominance?.Value is not null && !double.IsNaN(t.Dim) && t.Patterns == 0)
                .Select(t => (1 / t.Dim, t.Dominance!.Value!.Value, t.Dominance.Sigma)).ToArray();
            return new ExponentialExtrapolation(g.Key.BetaNet, g.Key.Map, g.Key.Start, ExponentialEstimators.FitLine(pts),
                ExponentialCapacity.CriticalLoad(g.Key.BetaNet), sparse.Contains(g.Key.Map), ExponentialEstimators.FitLine(dom));
        }).ToArray();
    }

    /// <summary>Sparse maps with several starts: the measured basin boundary φ₀ per (N, α, β_net, map) against the prediction.</summary>
    public static IReadOnlyList<BasinBoundaryRow> BasinBoundaries(IReadOnlyList<ExponentialGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = new List<BasinBoundaryRow>();
        foreach (var g in groups.Where(x => x.Margin is not null).GroupBy(x => (x.Dim, x.Patterns, x.BetaNet, x.Map)))
        {
            var pts = g.OrderByDescending(x => x.Start).ToArray();
            if (pts.Length < 2) continue;
            // Success falls as φ₀ decreases: the crossing along −φ₀.
            var cross = ExponentialEstimators.Crossing(pts.Select(x => (-x.Start, x.Rate, x.Lo, x.Hi)).ToArray());
            var f = pts[0];
            list.Add(new BasinBoundaryRow(f.Dim, f.AlphaEff, f.BetaNet, f.Map, cross.Value is { } v ? -v : null,
                ExponentialCapacity.BasinBoundary(f.AlphaEff, f.Dim, f.BetaNet, f.Margin!.Value)));
        }
        return list;
    }

    /// <summary>The report as Markdown: notation, per-point table (unless <paramref name="points"/> is false), thresholds, extrapolation, one-step checks, basin boundaries.</summary>
    public static string Markdown(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells, bool points = true)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(cells);
        var metrics = Metrics(cells);
        var groups = Groups(metrics);
        var thresholds = Thresholds(groups);
        var sb = new StringBuilder();
        sb.Append(Inv($"# {experiment.Name}: exponential capacity ({experiment.Id})\n\n"));
        sb.Append("Notation: dimension N, P = round(e^{αN}) patterns ξ_μ and states x on the sphere of radius √N, overlaps φ = ξ·x/N; " +
            "LSE/sparse scores θ_μ = β_net N φ_μ (the engine runs unit-norm rows with β = β_net·N); α_eff = ln P / N. " +
            "Success: final φ_target ≥ φ_keep and above every other overlap. Intervals: Wilson 95%.\n\n");
        if (metrics.Count > 0) sb.Append(Inv($"Ensemble: {metrics[0].Ensemble}; φ_keep = {metrics[0].Keep:G}; cells stored: {metrics.Count}.\n\n"));
        if (points) sb.Append("## Grid points\n\n| map | β_net | φ₀ | N | P | α_eff | banks × queries | success [95%] | φ_max,other median (theory: finite-N median / √(1−e^{−2α})) | one-hot (exact P) | disagree/ties | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        var binary = metrics.Count > 0 && metrics[0].Ensemble == "binary";
        foreach (var g in points ? groups : [])
        {
            var med = g.Patterns >= 2 ? ExponentialCapacity.LargestOverlapMedian(g.Dim, g.Patterns, binary) : double.NaN;
            var oneHot = g.OneHot is { } h ? Inv($"{(double)h / g.Queries:0.000} [{g.OneHotLo:0.000}, {g.OneHotHi:0.000}] ({g.OneHotProbability:0.000}{(g.OneHotInInterval == true ? "" : " ✗")})") : "—";
            var dis = g.Disagreements is { } d ? Inv($"{d}/{g.Ties}") : "—";
            sb.Append(Inv($"| {g.Map} | {g.BetaNet:G} | {g.Start:G} | {g.Dim} | {g.Patterns} | {g.AlphaEff:0.0000} | {g.Banks} × {g.Queries / Math.Max(1, g.Banks)} | {g.Rate:0.000} [{g.Lo:0.000}, {g.Hi:0.000}] | {g.MedianPhiMaxOther:0.0000} ({med:0.0000} / {ExponentialCapacity.LargestOverlap(g.AlphaEff):0.0000}) | {oneHot} | {dis} | {g.WallMs / 1000:0.0} |\n"));
        }
        sb.Append("\n## Thresholds α̂ (success crosses ½)\n\nα̂ p_target ≥ ½: where half the queries have the target's weight at x = ξ at least ½ (the criterion behind α_c, docs/math.md §16); median p_target = ½: where the median weight crosses ½ (ln p interpolated in α; at large P all queries of a bank agree, so this places the crossing inside the bracket).\n\n| map | β_net | φ₀ | N | α̂ success ± σ | α̂ one-hot ± σ | α̂ p_target ≥ ½ ± σ | α̂ median p_target = ½ | theory | large-N form |\n|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var t in thresholds)
        {
            var n = t.Patterns > 0 ? Inv($"N̂ = ln P/α̂ = {t.Dim:0.0} (P = {t.Patterns})") : Inv($"{t.Dim:G}");
            var theory = t.OneHot is null ? Inv($"α_c = {t.Theory:0.0000}") : Inv($"exact P(one-hot) = ½ at {t.Theory:0.0000}{(t.Patterns > 0 ? " (at this P)" : "")}");
            sb.Append(Inv($"| {t.Map} | {t.BetaNet:G} | {t.Start:G} | {n} | {Est(t.Success)} | {(t.OneHot is null ? "—" : Est(t.OneHot))} | {(t.Dominance is null ? "—" : Est(t.Dominance))} | {(t.MedianWeight is null ? "—" : t.MedianWeight.Value is { } w ? Inv($"{w:0.0000}") : t.MedianWeight.Note)} | {theory} | {t.LargeN:0.0000} |\n"));
        }
        sb.Append("\n## Extrapolation α̂(N) = a + b/N\n\n| map | β_net | φ₀ | points | a (N → ∞) ± se | b ± se | χ²/dof | p_target ≥ ½: a ± se (points) | α_c(β_net) |\n|---|---|---|---|---|---|---|---|---|\n");
        foreach (var x in Extrapolations(thresholds, groups))
        {
            var fit = x.Fit is { } f ? Inv($"{f.Points} | {f.Intercept:0.0000} ± {f.InterceptSe:0.0000} | {f.Slope:0.000} ± {f.SlopeSe:0.000} | {f.ChiSquarePerDof:0.00}") : "< 2 | — | — | —";
            var dom = x.DominanceFit is { } d ? Inv($"{d.Intercept:0.0000} ± {d.InterceptSe:0.0000} ({d.Points})") : "—";
            sb.Append(Inv($"| {x.Map} | {x.BetaNet:G} | {x.Start:G} | {fit} | {dom} | {x.AlphaC:0.0000}{(x.Sparse ? " (sparse: threshold grows ~½ ln N; compare with the exact finite-N column above)" : "")} |\n"));
        }
        var sparse = groups.Where(g => g.OneHot is not null).ToArray();
        if (sparse.Length > 0)
        {
            var outside = sparse.Count(g => g.OneHotInInterval == false);
            sb.Append("\n## One-step exactness (sparse maps)\n\n");
            sb.Append(Inv($"Per query, one update from the stored pattern against the prediction from its own measured gap β_net N (1 − φ_max,other) ≥ m: {sparse.Sum(g => g.Disagreements ?? 0)} disagreements in {sparse.Sum(g => g.Queries)} queries ({sparse.Sum(g => g.Ties ?? 0)} within the tie band |gap − m| ≤ {ExponentialRunner.TieBand:G}·m, not counted).\n"));
            sb.Append(Inv($"Per grid point, the exact finite-N P(one-hot) lies outside the one-hot rate's 95% Wilson interval at {outside} of {sparse.Length} points (expected by chance: about {0.05 * sparse.Length:0.#}).\n"));
        }
        var basins = BasinBoundaries(groups);
        if (basins.Count > 0)
        {
            sb.Append("\n## Basin boundary (sparse maps)\n\n| map | β_net | N | α_eff | measured φ₀ | predicted √(1−e^{−2α}) + m/(β_net N) |\n|---|---|---|---|---|---|\n");
            foreach (var b in basins) sb.Append(Inv($"| {b.Map} | {b.BetaNet:G} | {b.Dim} | {b.AlphaEff:0.0000} | {(b.Measured is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "no crossing")} | {b.Predicted:0.0000} |\n"));
        }
        return sb.ToString();
    }

    /// <summary>Header of the per-query CSV.</summary>
    public const string QueryCsvHeader = "cell_key,ensemble,n_dim,p_patterns,alpha,alpha_eff,beta_net,beta,map,margin,phi0,bank,target,phi_target,phi_other_final,phi_max_other,support,steps,one_step,predicted_one_step,success,weight_at_pattern";

    /// <summary>Every query of every cell, one line each.</summary>
    public static string QueriesCsv(IEnumerable<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var sb = new StringBuilder(QueryCsvHeader).Append('\n');
        foreach (var c in cells.OrderBy(c => c.Index))
        {
            if (c.Metrics.Exponential is not { } m) continue;
            foreach (var r in m.Rows)
            {
                var predicted = m.Margin is { } mg ? (m.BetaNet * m.Dim * (1 - r.PhiMaxOther) >= mg ? "1" : "0") : "";
                sb.Append(Inv($"\"{c.Key}\",{m.Ensemble},{m.Dim},{m.Patterns},{m.Alpha:R},{m.AlphaEff:R},{m.BetaNet:R},{m.Beta:R},{m.Map},{m.Margin:R},{m.Start:R},{m.Bank},{r.Target},{r.PhiTarget:R},{r.PhiOtherFinal:R},{r.PhiMaxOther:R},{r.Support},{r.Steps},{(r.OneStep is { } o ? (o ? "1" : "0") : "")},{predicted},{(r.Success ? 1 : 0)},{r.WeightAtPattern:R}\n"));
            }
        }
        return sb.ToString();
    }

    /// <summary>Header of the per-point CSV.</summary>
    public const string GroupCsvHeader = "map,beta_net,phi0,n_dim,p_patterns,alpha,alpha_eff,banks,queries,successes,rate,lo95,hi95,one_hot,one_hot_lo95,one_hot_hi95,p_one_hot_exact,disagreements,ties,mean_phi_max_other,median_phi_max_other,phi_max_theory,mean_phi_target,alpha_c,wall_ms,dominant,median_p_target";

    /// <summary>The grid points aggregated over banks.</summary>
    public static string GroupsCsv(IReadOnlyList<ExponentialGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var sb = new StringBuilder(GroupCsvHeader).Append('\n');
        foreach (var g in groups)
        {
            sb.Append(Inv($"{g.Map},{g.BetaNet:R},{g.Start:R},{g.Dim},{g.Patterns},{g.Alpha:R},{g.AlphaEff:R},{g.Banks},{g.Queries},{g.Successes},{g.Rate:R},{g.Lo:R},{g.Hi:R},{g.OneHot},{g.OneHotLo:R},{g.OneHotHi:R},{g.OneHotProbability:R},{g.Disagreements},{g.Ties},{g.MeanPhiMaxOther:R},{g.MedianPhiMaxOther:R},{ExponentialCapacity.LargestOverlap(g.AlphaEff):R},{g.MeanPhiTarget:R},{ExponentialCapacity.CriticalLoad(g.BetaNet):R},{g.WallMs:R},{g.Dominant},{g.MedianWeight:R}\n"));
        }
        return sb.ToString();
    }

    /// <summary>Writes the report (Markdown) and the per-query and per-point CSVs into <paramref name="directory"/>; returns the files.</summary>
    public static IReadOnlyList<string> WriteAll(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells, string directory)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(cells);
        Directory.CreateDirectory(directory);
        var report = Path.ChangeExtension(Path.Combine(directory, $"{experiment.Id}-exponential"), "md");
        var queries = Path.Combine(directory, $"{experiment.Id}-exponential-queries.csv");
        var points = Path.Combine(directory, $"{experiment.Id}-exponential-points.csv");
        File.WriteAllText(report, Markdown(experiment, cells));
        File.WriteAllText(queries, QueriesCsv(cells));
        File.WriteAllText(points, GroupsCsv(Groups(Metrics(cells))));
        return [report, queries, points];
    }

    private static string Est(ThresholdEstimate e) => e.Value is { } v ? Inv($"{v:0.0000} ± {e.Sigma:0.0000}") : e.Note;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
