using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Recall;

/// <summary>
/// Sequential recall (docs/math.md §5): memories stored in order are recalled in order. Each round picks
/// the best adjacent pair y ← seq-2-subsets(β(Xq − λa), w) (a huge w forces a contiguous pair: the current
/// memory and its successor), moves to the other member q ← Xᵀy − q, refines with T entmax updates, and
/// penalizes the pair a ← ρ(y − 1.1p) + (1−ρ)a (the memory just left gets a positive penalty, the one
/// arrived at a small negative one, so the next pair continues forward).
/// </summary>
public static class SequentialRecall
{
    /// <summary>Runs sequential recall from the cue q = x_start; round 0 records the memory the cue settles on
    /// after T entmax updates, each further round one transition.</summary>
    /// <returns>The order, unique ratio and the Levenshtein coefficient against start, start+1, ….</returns>
    public static RecallResult Run(Bank bank, RecallOptions options)
    {
        FreeRecall.Check(bank, options);
        int n = bank.Rows, rounds = options.Count ?? n - options.Start;
        if (n < 2) throw new ArgumentException("memories: sequential recall needs at least two patterns", nameof(bank));
        if (rounds > n) rounds = n;
        var entmax = MapFactory.Create(MapSpec.Entmax(options.Alpha));
        var pairs = new SeqKSubsetsMap(MapSpec.SeqKSubsets(2, options.W));
        var kernel = new RecallKernel(bank);
        var a = new double[n];
        var y = new double[n];
        var order = new int[rounds];

        kernel.SetToRow(options.Start);
        kernel.Score(options.Beta);
        entmax.Forward(kernel.Theta, kernel.P);
        kernel.PlainUpdates(entmax, options.Beta, options.Steps);
        order[0] = RecallKernel.ArgMax(kernel.P);
        for (int r = 1; r < rounds; r++)
        {
            kernel.ScorePenalized(options.Beta, options.Lambda, a);
            pairs.Forward(kernel.Theta, y);
            kernel.Readout(y, minusQ: true);
            kernel.Score(options.Beta);
            entmax.Forward(kernel.Theta, kernel.P);
            kernel.PlainUpdates(entmax, options.Beta, options.Steps);
            for (int i = 0; i < n; i++) a[i] = options.Rho * (y[i] - 1.1 * kernel.P[i]) + (1 - options.Rho) * a[i];
            order[r] = RecallKernel.ArgMax(kernel.P);
        }
        return new RecallResult(order, RecallMetrics.UniqueMemoryRatio(order),
            RecallMetrics.LevenshteinCoefficient(order, options.Start),
            FormattableString.Invariant($"sequential/seq2-w{options.W:G}/entmax-{options.Alpha:G}"));
    }
}
