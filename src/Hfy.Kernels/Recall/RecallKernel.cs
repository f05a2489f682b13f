using System.Diagnostics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Recall;

/// <summary>Scores and readouts shared by the recall protocols (float32 bank, float64 state and sums).</summary>
internal sealed class RecallKernel
{
    private readonly Bank _bank;
    private readonly double[] _sum;

    public RecallKernel(Bank bank)
    {
        _bank = bank;
        Theta = new double[bank.Rows];
        P = new double[bank.Rows];
        Q = new double[bank.Dim];
        _sum = new double[bank.Dim];
    }

    /// <summary>Scores θ (length N).</summary>
    public double[] Theta { get; }

    /// <summary>Weights p (length N).</summary>
    public double[] P { get; }

    /// <summary>State q (length D).</summary>
    public double[] Q { get; }

    public int Rows => _bank.Rows;

    /// <summary>q ← x_row.</summary>
    public void SetToRow(int row)
    {
        var x = _bank.Row(row);
        for (int d = 0; d < x.Length; d++) Q[d] = x[d];
    }

    /// <summary>θ ← β X q.</summary>
    public void Score(double beta) => Scorer.Score(_bank.Data, _bank.Dim, Q, beta, Theta);

    /// <summary>θ ← β (X q − λ a).</summary>
    public void ScorePenalized(double beta, double lambda, ReadOnlySpan<double> a)
    {
        Score(beta);
        if (lambda == 0) return;
        for (int i = 0; i < Theta.Length; i++) Theta[i] -= beta * lambda * a[i];
    }

    /// <summary>q ← Xᵀ weights (+ <paramref name="minusQ"/>: q ← Xᵀ weights − q).</summary>
    public void Readout(ReadOnlySpan<double> weights, bool minusQ = false)
    {
        Debug.Assert(weights.Length == _bank.Rows);
        var sum = _sum;
        Array.Clear(sum);
        for (int i = 0; i < weights.Length; i++)
        {
            double wi = weights[i];
            if (wi == 0) continue;
            var x = _bank.Row(i);
            for (int d = 0; d < x.Length; d++) sum[d] += wi * x[d];
        }
        for (int d = 0; d < sum.Length; d++) Q[d] = minusQ ? sum[d] - Q[d] : sum[d];
    }

    /// <summary>T plain Hopfield updates p ← map(βXq), q ← Xᵀp.</summary>
    public void PlainUpdates(IMap map, double beta, int steps)
    {
        for (int t = 0; t < steps; t++)
        {
            Score(beta);
            map.Forward(Theta, P);
            Readout(P);
        }
    }

    /// <summary>Index of the largest entry (first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<double> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
