using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Classical;

/// <summary>The separation function F' of the papers' continuous baselines.</summary>
public enum BaselineKind
{
    /// <summary>Classical Hopfield: F'(s) = s.</summary>
    Classical,
    /// <summary>n-poly dense associative memory: F'(s) = sⁿ (the papers use n = 10).</summary>
    Polynomial,
    /// <summary>Exponential dense associative memory: F'(s) = exp(β_in s) (β_in = 0.05 on MNIST).</summary>
    Exponential,
}

/// <summary>How a continuous baseline's update meets the post-transformation ŷ_Ψ.</summary>
/// <remarks>
/// Both normalize the rows and the initial query for ℓ2 and layer norm (docs/math.md §1); they differ only for the
/// identity, ℓ2 and layer-norm post-transformations. With <see cref="PostTransform.Tanh"/> they are the same update.
/// </remarks>
public enum BaselineUpdate
{
    /// <summary>
    /// The published code (HopfieldNet.run of deep-spin/HFYN): q ← ŷ_Ψ(Xᵀ F'(Xq)), the post-transformation in the place
    /// of tanh — identity: q ← Xᵀ F'(Xq) (unbounded); ℓ2: its unit vector; layer norm; tanh: tanh(β Xᵀ F'(Xq)).
    /// β is used only by tanh.
    /// </summary>
    Published,
    /// <summary>q ← tanh(β Xᵀ F'(Xq)) whatever the post-transformation (which then only normalizes rows and q_0).</summary>
    TanhAfterPost,
}

/// <summary>
/// The classical and DAM baselines of the HFY papers' image experiments (docs/math.md §3, §5):
/// q ← ŷ(Xᵀ F'(X q)) for T synchronous steps, with ŷ chosen by <see cref="BaselineUpdate"/>.
/// </summary>
/// <remarks>
/// Everything after the float32 rows is float64: overlaps x_iᵀq (rows widened), F', the readout and ŷ. A step of a
/// block of queries is two float64 matrix products over a widened copy of the rows (<see cref="BaselineGemm"/>). The published
/// code computes in float32, where the 10-poly DAM with layer norm overflows (overlaps up to D = 784, 784¹⁰ ≈ 9·10²⁸,
/// readouts ≈ 10³⁰, whose squares in the layer-norm variance exceed float32's 3.4·10³⁸): every state becomes NaN.
/// In float64 that update stays finite. The published identity update q ← Xᵀ F'(Xq) is unbounded and may still
/// overflow float64 for the DAMs (never used by the papers, which run the baselines with tanh).
/// </remarks>
public static class ContinuousBaseline
{
    /// <summary>
    /// Queries that share one pass over the rows: their overlaps (Block × N) and readouts (Block × D) are two blocked
    /// matrix products (<see cref="BaselineGemm"/>); blocks run in parallel.
    /// </summary>
    private const int Block = 64;

    /// <summary>F'(s).</summary>
    public static double Separation(BaselineKind kind, double s, int degree, double betaIn) => kind switch
    {
        BaselineKind.Classical => s,
        BaselineKind.Polynomial => Math.Pow(s, degree),
        BaselineKind.Exponential => Math.Exp(betaIn * s),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown baseline"),
    };

    /// <summary>The output map ŷ applied in place to the readout z = Xᵀ F'(Xq).</summary>
    public static void Finish(BaselineUpdate update, PostTransform post, Span<double> z, double beta)
    {
        if (update == BaselineUpdate.TanhAfterPost) PostTransforms.Apply(PostTransform.Tanh, z, beta);
        else PostTransforms.Apply(post, z, beta);
    }

    /// <summary>Runs T steps from each query and returns the final states (float64), one per query.</summary>
    /// <param name="bank">Patterns X as stored (normalized here for ℓ2 and layer norm).</param>
    /// <param name="queries">Initial states, batch × D row-major (normalized here like the rows).</param>
    /// <param name="batch">Number of queries.</param>
    /// <param name="kind">F'.</param>
    /// <param name="post">Post-transformation ŷ_Ψ.</param>
    /// <param name="update">Where the post-transformation acts.</param>
    /// <param name="beta">Outer inverse temperature β &gt; 0 (used by tanh).</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="degree">n for <see cref="BaselineKind.Polynomial"/>.</param>
    /// <param name="betaIn">β_in for <see cref="BaselineKind.Exponential"/>.</param>
    /// <param name="tol">Stop a query once ‖q_{t+1} − q_t‖ ≤ tol (0: run all T steps).</param>
    /// <param name="stepsRun">Receives the steps each query ran (length batch), or empty.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads (−1: all cores).</param>
    /// <remarks>Queries are independent: each result equals a batch of one, bit for bit (<see cref="BaselineGemm"/> keeps the
    /// summation order of one query and one row at a time). Blocks of 64 queries run in parallel.</remarks>
    public static double[][] RunBatch(Bank bank, ReadOnlySpan<float> queries, int batch, BaselineKind kind, PostTransform post,
        BaselineUpdate update, double beta, int steps, int degree = 10, double betaIn = 0.05, double tol = 0,
        Span<int> stepsRun = default, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(bank);
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 0");
        if ((long)batch * bank.Dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * bank.Dim}", nameof(queries));
        if (Dynamics.RetrievalOptions.BetaProblem(beta) is { } problem) throw new ArgumentException(problem, nameof(beta));
        if (steps < 0) throw new ArgumentException($"steps: must be ≥ 0 (got {steps})", nameof(steps));
        if (kind == BaselineKind.Polynomial && degree < 1) throw new ArgumentException($"degree: must be ≥ 1 (got {degree})", nameof(degree));
        if (!stepsRun.IsEmpty && stepsRun.Length != batch) throw new ArgumentException($"stepsRun has length {stepsRun.Length}, expected {batch}", nameof(stepsRun));

        var rows = PostTransforms.NormalizedCopy(bank, post);
        var wide = BaselineGemm.Widen(rows.Data);
        var dim = bank.Dim;
        var states = new double[batch][];
        for (var b = 0; b < batch; b++)
        {
            var q = new double[dim];
            for (var k = 0; k < dim; k++) q[k] = queries[b * dim + k];
            PostTransforms.NormalizeQuery(post, q);
            states[b] = q;
        }
        var ran = new int[batch];
        var blocks = (batch + Block - 1) / Block;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, blk =>
        {
            var first = blk * Block;
            var count = Math.Min(Block, batch - first);
            RunBlock(wide, rows.Rows, dim, states.AsSpan(first, count), ran.AsSpan(first, count), kind, post, update, beta, steps, degree, betaIn, tol);
        });
        if (!stepsRun.IsEmpty) ran.CopyTo(stepsRun);
        return states;
    }

    /// <summary>One query: <see cref="RunBatch"/> with a batch of one.</summary>
    public static double[] Run(Bank bank, ReadOnlySpan<float> q0, BaselineKind kind, PostTransform post, BaselineUpdate update,
        double beta, int steps, int degree = 10, double betaIn = 0.05)
        => RunBatch(bank, q0, 1, kind, post, update, beta, steps, degree, betaIn, maxDegreeOfParallelism: 1)[0];

    /// <summary>T steps of a block of queries: per step the active states' overlaps, F', readouts, then ŷ.</summary>
    private static void RunBlock(double[] rows, int n, int dim, Span<double[]> states, Span<int> ran, BaselineKind kind, PostTransform post,
        BaselineUpdate update, double beta, int steps, int degree, double betaIn, double tol)
    {
        var count = states.Length;
        var q = new double[count * dim];
        var f = new double[(long)count * n];
        var z = new double[count * dim];
        var active = new int[count];
        for (var b = 0; b < count; b++) active[b] = b;
        var live = count;
        for (var t = 0; t < steps && live > 0; t++)
        {
            // The states still running, packed: queries that stopped early take no more work.
            for (var j = 0; j < live; j++) states[active[j]].CopyTo(q.AsSpan(j * dim, dim));
            var fs = f.AsSpan(0, live * n);
            BaselineGemm.Overlaps(rows, dim, q.AsSpan(0, live * dim), live, fs);
            for (var j = 0; j < fs.Length; j++) fs[j] = Separation(kind, fs[j], degree, betaIn);
            BaselineGemm.Readouts(rows, dim, fs, live, z.AsSpan(0, live * dim));
            var still = 0;
            for (var j = 0; j < live; j++)
            {
                var b = active[j];
                var next = z.AsSpan(j * dim, dim);
                Finish(update, post, next, beta);
                var state = states[b];
                var diff = 0.0;
                for (var k = 0; k < dim; k++) diff += (next[k] - state[k]) * (next[k] - state[k]);
                next.CopyTo(state);
                ran[b] = t + 1;
                if (!(tol > 0 && Math.Sqrt(diff) <= tol)) active[still++] = b;
            }
            live = still;
        }
    }
}
