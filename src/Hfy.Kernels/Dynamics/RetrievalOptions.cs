using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Dynamics;

/// <summary>Settings of the CCCP retrieval dynamics q_{t+1} = ŷ_Ψ(Xᵀ ŷ_Ω(β X q_t)).</summary>
/// <param name="Map">The score-to-weight map ŷ_Ω.</param>
/// <param name="Beta">Inverse temperature β &gt; 0.</param>
/// <param name="Steps">Maximum number of updates T ≥ 0.</param>
/// <param name="Tol">Stop early when ‖q_{t+1} − q_t‖ ≤ Tol (0: run all T steps).</param>
/// <param name="Post">Post-transformation ŷ_Ψ.</param>
/// <param name="RetrievedTol">q counts as exactly retrieving pattern i when ‖q − x̃_i‖∞ ≤ this (x̃ = transformed row).</param>
public sealed record RetrievalOptions(
    MapSpec Map,
    double Beta,
    int Steps,
    double Tol = 0.0,
    PostTransform Post = PostTransform.Identity,
    double RetrievedTol = 1e-6)
{
    /// <summary>The β rule: null when β &gt; 0 and finite, else the one-line message naming it.</summary>
    public static string? BetaProblem(double beta) =>
        beta > 0 && !double.IsInfinity(beta) ? null
            : FormattableString.Invariant($"beta: must be > 0 and finite (got {(double.IsPositiveInfinity(beta) ? "+∞" : double.IsNegativeInfinity(beta) ? "−∞" : beta.ToString("R", System.Globalization.CultureInfo.InvariantCulture))})");

    /// <summary>
    /// Softmax on streamed stores (procedural, mapped, half, bit-packed; docs/capacity.md): rows with e^{θ−m} &lt; ε/N are
    /// left out of Z and Xᵀp (relative change &lt; ε); 0 (default) sums every row. Resident banks always sum every row.
    /// </summary>
    public double SoftmaxTolerance { get; init; }

    /// <summary>Checks every field against a bank of <paramref name="rows"/> rows; null when valid, else a one-line message naming the first bad field.</summary>
    public string? Problem(long rows)
    {
        var beta = BetaProblem(Beta);
        if (beta is not null) return beta;
        if (Steps < 0) return $"steps: must be ≥ 0 (got {Steps})";
        if (!(Tol >= 0)) return FormattableString.Invariant($"tol: must be ≥ 0 (got {Tol})");
        if (!(RetrievedTol >= 0)) return FormattableString.Invariant($"retrievedTol: must be ≥ 0 (got {RetrievedTol})");
        if (!(SoftmaxTolerance is >= 0 and < 1)) return FormattableString.Invariant($"softmaxTolerance: must be in [0, 1) (got {SoftmaxTolerance})");
        return MapFactory.Validate(Map, rows);
    }
}

/// <summary>The outcome of the dynamics for one query.</summary>
/// <param name="Q">Final state q_T.</param>
/// <param name="Ids">Row ids of the final weights p (the support), ascending.</param>
/// <param name="Weights">The weights p at those rows (last step's map output).</param>
/// <param name="Steps">Number of updates performed.</param>
/// <param name="Energy">Energy at q_0 … q_T, where a closed form exists (empty otherwise).</param>
/// <param name="Retrieved">Index of the pattern q_T equals exactly, or null.</param>
public sealed record RetrievalResult(
    double[] Q,
    long[] Ids,
    double[] Weights,
    int Steps,
    double[] Energy,
    long? Retrieved)
{
    private readonly long? _supportSize;

    /// <summary>Rows listed in <see cref="Ids"/>: the whole support, unless an engine lists only the largest weights (see <see cref="SupportSize"/>).</summary>
    public int Support => Ids.Length;

    /// <summary>
    /// Support size |{i : p_i &gt; 0}| counted over every row in float64. Equals <see cref="Ids"/>.Length unless the
    /// engine listed only the largest weights (the cluster engine caps the listed pairs), in which case it is larger.
    /// </summary>
    public long SupportSize
    {
        get => _supportSize ?? Ids.Length;
        init => _supportSize = value;
    }
}
