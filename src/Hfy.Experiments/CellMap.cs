using System.Globalization;
using Hfy.Kernels.Maps;

namespace Hfy.Experiments;

/// <summary>
/// The classical baselines of docs/math.md §3, run as q ← ŷ(Xᵀ F'(Xq)) with ŷ the post-transformation or tanh
/// (<see cref="Hfy.Kernels.Classical.BaselineUpdate"/>).
/// </summary>
public enum BaselineKind
{
    /// <summary>Classical Hopfield: F'(s) = s.</summary>
    Classical,
    /// <summary>Polynomial dense associative memory: F'(s) = sⁿ (n = the degree).</summary>
    DamPoly,
    /// <summary>Exponential dense associative memory: F'(s) = exp(β_in s).</summary>
    DamExp,
    /// <summary>
    /// The classical Hopfield network as analysed by Amit, Gutfreund and Sompolinsky (capacity ≈ 0.138 D):
    /// W = XᵀX with zero diagonal, synchronous sign updates s ← sgn(W s) (a zero field keeps the unit); β is not used.
    /// </summary>
    Hopfield,
}

/// <summary>
/// A map of one cell: an HFY map (run through the engine), a baseline (run on the coordinator), or, in
/// free-recall and sequential-recall experiments, a recall protocol with its update map (run on the single-node kernels).
/// </summary>
/// <param name="Label">Stable label used in cell keys, tables and plots.</param>
/// <param name="Hfy">The HFY map (for recall: the map of the updates), or null for a baseline.</param>
/// <param name="Baseline">The baseline, or null for an HFY map.</param>
/// <param name="Degree">dam-poly degree n.</param>
/// <param name="BetaIn">dam-exp β_in.</param>
/// <param name="Recall">The recall protocol (recall kinds only), else null.</param>
/// <param name="RecallAlpha">α of the recall protocol's entmax updates (1 = softmax, 2 = sparsemax).</param>
public sealed record CellMap(string Label, MapSpec? Hfy, BaselineKind? Baseline = null, int Degree = 1, double BetaIn = 0,
    RecallMethod? Recall = null, double RecallAlpha = 2)
{
    /// <summary>The typed map of a validated entry for an experiment of <paramref name="kind"/> (recall kinds map names to protocols).</summary>
    public static CellMap For(MapEntry e, ExperimentKind? kind) => kind switch
    {
        ExperimentKind.FreeRecall => ForRecall(e, sequential: false),
        ExperimentKind.SequentialRecall => ForRecall(e, sequential: true),
        _ => From(e),
    };

    /// <summary>
    /// A recall protocol from a validated entry: free recall takes <c>csparsemax</c> (constrained sparsemax) or an
    /// entmax-family map (penalized free recall with those updates); sequential recall takes an entmax-family map
    /// (the updates after each seq-2-subsets transition).
    /// </summary>
    public static CellMap ForRecall(MapEntry e, bool sequential)
    {
        ArgumentNullException.ThrowIfNull(e);
        var name = (e.Name ?? "").Trim().ToLowerInvariant();
        if (name == "csparsemax" && !sequential) return new CellMap("csparsemax", MapSpec.Sparsemax, Recall: RecallMethod.ConstrainedSparsemax);
        var alpha = name switch
        {
            "softmax" => 1.0,
            "sparsemax" => 2.0,
            "entmax" => e.Alpha ?? 1.5,
            _ => throw new ArgumentException($"'{e.Name}' is not a {(sequential ? "sequential" : "free")} recall method", nameof(e)),
        };
        var map = alpha switch { 1.0 => MapSpec.Softmax, 2.0 => MapSpec.Sparsemax, _ => MapSpec.Entmax(alpha) };
        return sequential
            ? new CellMap("seq2-" + map.Label, map, Recall: RecallMethod.Sequential, RecallAlpha: alpha)
            : new CellMap("penalized-" + map.Label, map, Recall: RecallMethod.Penalized, RecallAlpha: alpha);
    }

    /// <summary>The map names a free-recall spec may use.</summary>
    public static IReadOnlyList<string> FreeRecallNames { get; } = ["csparsemax", "softmax", "entmax", "sparsemax"];

    /// <summary>The map names a sequential-recall spec may use.</summary>
    public static IReadOnlyList<string> SequentialRecallNames { get; } = ["softmax", "entmax", "sparsemax"];

    /// <summary>Builds the typed map from a validated entry.</summary>
    public static CellMap From(MapEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var name = (e.Name ?? "").Trim().ToLowerInvariant();
        return name switch
        {
            "softmax" => Of(MapSpec.Softmax),
            "entmax" => e.Alpha is 1.0 ? Of(MapSpec.Softmax) : Of(MapSpec.Entmax(e.Alpha ?? 1.5)),
            "sparsemax" => Of(MapSpec.Sparsemax),
            "normmax" => Of(MapSpec.Normmax(e.Gamma ?? 2.0)),
            "ksubsets" => Of(MapSpec.KSubsets(e.K ?? 1, e.Normalize ?? false)),
            "seq-ksubsets" => Of(MapSpec.SeqKSubsets((int)(e.K ?? 1), e.W ?? 0.0)),
            "classical" => new CellMap("classical", null, BaselineKind.Classical),
            "hopfield" => new CellMap("hopfield", null, BaselineKind.Hopfield),
            "dam-poly" => new CellMap(Inv($"dam-poly-{e.N ?? 10}"), null, BaselineKind.DamPoly, Degree: e.N ?? 10),
            "dam-exp" => new CellMap(Inv($"dam-exp-{e.BetaIn ?? 0.05:G}"), null, BaselineKind.DamExp, BetaIn: e.BetaIn ?? 0.05),
            _ => throw new ArgumentException($"unknown map '{e.Name}'", nameof(e)),
        };

        static CellMap Of(MapSpec m) => new(m.Label, m);
    }

    /// <summary>The map names a spec may use.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["softmax", "entmax", "sparsemax", "normmax", "ksubsets", "seq-ksubsets", "classical", "hopfield", "dam-poly", "dam-exp"];

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
