using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Scoring;
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

/// <summary>
/// The classical and DAM baselines as the HFY papers' image experiments run them (docs/math.md §3):
/// q ← tanh(β Xᵀ F'(X q)) for T steps.
/// </summary>
public static class TanhBaseline
{
    /// <summary>Runs T steps from q0 and returns q_T (float64).</summary>
    /// <param name="bank">Patterns X.</param>
    /// <param name="q0">Initial state.</param>
    /// <param name="kind">F'.</param>
    /// <param name="beta">Outer inverse temperature β &gt; 0.</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="degree">n for <see cref="BaselineKind.Polynomial"/>.</param>
    /// <param name="betaIn">β_in for <see cref="BaselineKind.Exponential"/>.</param>
    public static double[] Run(Bank bank, ReadOnlySpan<float> q0, BaselineKind kind, double beta, int steps, int degree = 10, double betaIn = 0.05)
    {
        ArgumentNullException.ThrowIfNull(bank);
        if (q0.Length != bank.Dim) throw new ArgumentException($"q0: has length {q0.Length}, expected {bank.Dim}", nameof(q0));
        if (!(beta > 0)) throw new ArgumentException($"beta: must be > 0 (got {beta})", nameof(beta));
        if (steps < 0) throw new ArgumentException($"steps: must be ≥ 0 (got {steps})", nameof(steps));
        var q = new double[bank.Dim];
        for (var k = 0; k < q.Length; k++) q[k] = q0[k];
        var s = new double[bank.Rows];
        for (var t = 0; t < steps; t++)
        {
            Scorer.Score(bank.Data, bank.Dim, q, 1.0, s);
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = kind switch
                {
                    BaselineKind.Classical => s[i],
                    BaselineKind.Polynomial => Math.Pow(s[i], degree),
                    _ => Math.Exp(betaIn * s[i]),
                };
            }
            Readout.Dense(bank.Data, bank.Dim, s, q);
            PostTransforms.Apply(PostTransform.Tanh, q, beta);
        }
        return q;
    }
}
