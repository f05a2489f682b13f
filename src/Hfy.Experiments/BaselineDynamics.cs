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
        var results = new RetrievalResult[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            j => results[j] = Result(rows.Data, dim, states[j], ran[j], steps, retrievedTol));
        return results;
    }

    /// <summary>The pattern with the largest overlap is the candidate for exact retrieval.</summary>
    private static RetrievalResult Result(ReadOnlySpan<float> rows, int dim, double[] q, int done, int steps, double retrievedTol)
    {
        var n = rows.Length / dim;
        var best = -1;
        var bestDot = double.NegativeInfinity;
        for (var r = 0; r < n; r++)
        {
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
