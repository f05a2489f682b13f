using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Recall;

/// <summary>Free recall (docs/math.md §5): recall every stored memory once, in any order.</summary>
public static class FreeRecall
{
    /// <summary>
    /// Free recall with constrained sparsemax: q ← x_start, u ← 1; each round runs T updates
    /// p ← csparsemax(βXq; p ≤ u), q ← Xᵀp, then spends the recalled capacity u ← max(u − p, 0) and records argmax p.
    /// </summary>
    /// <remarks>Σu drops by exactly Σp = 1 per round, so the last of N rounds has Σu = 1 up to rounding;
    /// u is rescaled to Σu = 1 when rounding leaves it a hair below.</remarks>
    public static RecallResult ConstrainedSparsemax(Bank bank, RecallOptions options)
    {
        Check(bank, options);
        var kernel = new RecallKernel(bank);
        int n = bank.Rows, rounds = options.Count ?? n;
        var upper = new double[n];
        Array.Fill(upper, 1.0);
        var order = new int[rounds];
        kernel.SetToRow(options.Start);
        for (int r = 0; r < rounds; r++)
        {
            double capacity = 0;
            foreach (double u in upper) capacity += u;
            if (capacity < 1)
            {
                for (int i = 0; i < n; i++) upper[i] /= capacity;
            }
            if (options.Steps == 0)
            {
                kernel.Score(options.Beta);
                Structured.ConstrainedSparsemax.Forward(kernel.Theta, upper, kernel.P);
            }
            for (int t = 0; t < options.Steps; t++)
            {
                kernel.Score(options.Beta);
                Structured.ConstrainedSparsemax.Forward(kernel.Theta, upper, kernel.P);
                kernel.Readout(kernel.P);
            }
            for (int i = 0; i < n; i++) upper[i] = Math.Max(upper[i] - kernel.P[i], 0);
            order[r] = RecallKernel.ArgMax(kernel.P);
        }
        return new RecallResult(order, RecallMetrics.UniqueMemoryRatio(order), null, "free/csparsemax");
    }

    /// <summary>
    /// Penalized free recall: q ← x_start, a ← 0; each round p ← entmax_α(β(Xq − λa)), a ← ρp + (1−ρ)a,
    /// q ← Xᵀp, then T plain updates p ← entmax_α(βXq), q ← Xᵀp (no penalty), and records argmax p.
    /// </summary>
    public static RecallResult Penalized(Bank bank, RecallOptions options)
    {
        Check(bank, options);
        var map = MapFactory.Create(MapSpec.Entmax(options.Alpha));
        var kernel = new RecallKernel(bank);
        int n = bank.Rows, rounds = options.Count ?? n;
        var a = new double[n];
        var order = new int[rounds];
        kernel.SetToRow(options.Start);
        for (int r = 0; r < rounds; r++)
        {
            kernel.ScorePenalized(options.Beta, options.Lambda, a);
            map.Forward(kernel.Theta, kernel.P);
            for (int i = 0; i < n; i++) a[i] = options.Rho * kernel.P[i] + (1 - options.Rho) * a[i];
            kernel.Readout(kernel.P);
            kernel.PlainUpdates(map, options.Beta, options.Steps);
            order[r] = RecallKernel.ArgMax(kernel.P);
        }
        return new RecallResult(order, RecallMetrics.UniqueMemoryRatio(order), null,
            FormattableString.Invariant($"free/penalized-entmax-{options.Alpha:G}"));
    }

    internal static void Check(Bank bank, RecallOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        var error = options.Validate(bank.Rows);
        if (error is not null) throw new ArgumentException(error, nameof(options));
    }
}
