using System.Diagnostics;
using Hfy.Kernels.Classical;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;
using KernelBaseline = Hfy.Kernels.Classical.BaselineKind;

namespace Hfy.Experiments;

/// <summary>
/// The classical Hopfield and dense associative memory baselines (docs/math.md §3, §5) run for a cell's queries:
/// the continuous ones through <see cref="ContinuousBaseline"/> (q ← ŷ(Xᵀ F'(Xq)), float64, batched), with the
/// experiment's <see cref="BaselineUpdate"/> deciding whether the post-transformation replaces tanh (<c>published</c>)
/// or precedes it (<c>tanh-after-post</c>). <see cref="BaselineKind.Hopfield"/> is the textbook network instead:
/// s ← sgn(W s), W = XᵀX with zero diagonal (<see cref="SignHopfield"/>). They are not HFY maps (no MapSpec), so they
/// run on the coordinator over the whole bank.
/// </summary>
public static class BaselineDynamics
{
    /// <summary>The spec names of the baseline updates (<c>baselineUpdate</c>), in the order of <see cref="BaselineUpdate"/>.</summary>
    public static IReadOnlyList<string> UpdateNames { get; } = ["published", "tanh-after-post"];

    /// <summary>Parses a spec's <c>baselineUpdate</c> (null: <see cref="BaselineUpdate.Published"/>); null when unknown.</summary>
    public static BaselineUpdate? ParseUpdate(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "published" => BaselineUpdate.Published,
        "tanh-after-post" => BaselineUpdate.TanhAfterPost,
        _ => null,
    };

    /// <summary>Runs T updates for every query (stopping a query early when ‖Δq‖ ≤ tol).</summary>
    /// <param name="bank">The bank as stored (rows and queries are normalized here as the post-transform requires).</param>
    /// <param name="queries">Initial states, count × D.</param>
    /// <param name="count">Number of queries.</param>
    /// <param name="map">The baseline.</param>
    /// <param name="beta">β (used by tanh; not by <see cref="BaselineKind.Hopfield"/>).</param>
    /// <param name="post">Post-transformation.</param>
    /// <param name="update">Published (post replaces tanh) or tanh-after-post.</param>
    /// <param name="steps">T.</param>
    /// <param name="tol">Early-stop tolerance (0: run all T).</param>
    /// <param name="retrievedTol">‖q − x_i‖∞ bound for exact retrieval (x_i normalized like the rows).</param>
    /// <param name="maxDegreeOfParallelism">Worker threads (−1: all cores).</param>
    /// <returns>Per query: the final state; Ids/Weights hold the row with the largest overlap (weight 1), none when q_T is
    /// not finite; Energy is empty (synchronous updates have no monotone energy).</returns>
    public static RetrievalResult[] RunBatch(Bank bank, ReadOnlySpan<float> queries, int count, CellMap map, double beta, PostTransform post,
        BaselineUpdate update, int steps, double tol, double retrievedTol, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(map);
        if (map.Baseline is not { } baseline) throw new ArgumentException("not a baseline map", nameof(map));
        var dim = bank.Dim;
        if ((long)count * dim != queries.Length) throw new ArgumentException($"queries has {queries.Length} values, expected count × D = {(long)count * dim}", nameof(queries));
        var rows = PostTransforms.NormalizedCopy(bank, post);
        double[][] states;
        var ran = new int[count];
        if (baseline == BaselineKind.Hopfield)
        {
            states = new double[count][];
            var copy = queries.ToArray();
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, j =>
            {
                var q = new double[dim];
                for (var i = 0; i < dim; i++) q[i] = copy[j * dim + i];
                PostTransforms.NormalizeQuery(post, q);
                ran[j] = SignHopfield.Run(rows.Data, dim, q, steps);
                states[j] = q;
            });
        }
        else
        {
            var kind = baseline switch
            {
                BaselineKind.Classical => KernelBaseline.Classical,
                BaselineKind.DamPoly => KernelBaseline.Polynomial,
                _ => KernelBaseline.Exponential,
            };
            states = ContinuousBaseline.RunBatch(bank, queries, count, kind, post, update, beta, steps, map.Degree, map.BetaIn, tol, ran,
                maxDegreeOfParallelism);
        }
        return Results(rows, states, ran, steps, retrievedTol, maxDegreeOfParallelism);
    }

    /// <summary>Queries per block of final overlaps (a block × N float64 buffer).</summary>
    private const int ResultBlock = 64;

    /// <summary>
    /// Each final state's row with the largest overlap and the exact-retrieval check. The overlaps of a block of states
    /// come from one blocked product (<see cref="BaselineGemm.Overlaps"/>); the winner is then chosen among the rows
    /// within that product's rounding of the largest by the sequential sum over the row, so it is the row
    /// <see cref="Result"/> alone would pick.
    /// </summary>
    private static RetrievalResult[] Results(Bank rows, double[][] states, int[] ran, int steps, double retrievedTol, int maxDegreeOfParallelism)
    {
        var count = states.Length;
        var n = rows.Rows;
        var dim = rows.Dim;
        var wide = BaselineGemm.Widen(rows.Data);
        var maxNorm = 0.0;
        for (var i = 0; i < n; i++)
        {
            var ss = 0.0;
            foreach (var v in rows.Row(i)) ss += (double)v * v;
            maxNorm = Math.Max(maxNorm, Math.Sqrt(ss));
        }
        var results = new RetrievalResult[count];
        var blocks = (count + ResultBlock - 1) / ResultBlock;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, blk =>
        {
            var first = blk * ResultBlock;
            var m = Math.Min(ResultBlock, count - first);
            var packed = new double[m * dim];
            for (var j = 0; j < m; j++) states[first + j].CopyTo(packed, j * dim);
            var overlaps = new double[m * n];
            BaselineGemm.Overlaps(wide, dim, packed, m, overlaps);
            for (var j = 0; j < m; j++)
            {
                results[first + j] = Result(rows.Data, dim, states[first + j], overlaps.AsSpan(j * n, n), maxNorm, ran[first + j], steps, retrievedTol);
            }
        });
        return results;
    }

    /// <summary>The pattern with the largest overlap is the candidate for exact retrieval.</summary>
    /// <remarks>
    /// The candidate is the first row with the largest sequential float64 sum Σ_k x_k q_k. Rows whose blocked overlap
    /// lies more than twice the two sums' rounding bound (2·γ_D·‖x‖·‖q‖ each, γ_D ≈ D·2⁻⁵³) below the largest cannot
    /// win, so only the others are summed again; a state with a non-finite overlap is searched over every row.
    /// </remarks>
    private static RetrievalResult Result(ReadOnlySpan<float> rows, int dim, double[] q, ReadOnlySpan<double> overlaps, double maxNorm,
        int done, int steps, double retrievedTol)
    {
        var n = rows.Length / dim;
        var top = double.NegativeInfinity;
        var finite = true;
        foreach (var s in overlaps)
        {
            if (!double.IsFinite(s)) finite = false;
            else if (s > top) top = s;
        }
        var qq = 0.0;
        foreach (var v in q) qq += v * v;
        var margin = finite && double.IsFinite(qq) ? (8.0 * dim * Math.ScaleB(1.0, -53) * maxNorm * Math.Sqrt(qq)) + 1e-300 : double.PositiveInfinity;
        var best = -1;
        var bestDot = double.NegativeInfinity;
        for (var r = 0; r < n; r++)
        {
            if (!(overlaps[r] >= top - margin) && finite) continue;
            var row = rows.Slice(r * dim, dim);
            double dot = 0;
            for (var i = 0; i < dim; i++) dot += row[i] * q[i];
            // A state that overflowed (NaN overlaps) has no candidate.
            if (dot > bestDot)
            {
                bestDot = dot;
                best = r;
            }
        }
        long? retrieved = null;
        if (best >= 0)
        {
            var row = rows.Slice(best * dim, dim);
            var max = 0.0;
            for (var i = 0; i < dim; i++) max = Math.Max(max, Math.Abs(q[i] - row[i]));
            if (max <= retrievedTol) retrieved = best;
        }
        Debug.Assert(done <= steps);
        return new RetrievalResult(q, best >= 0 ? [best] : [], best >= 0 ? [1.0] : [], done, [], retrieved);
    }
}
