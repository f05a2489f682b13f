namespace Hfy.Learning;

/// <summary>Loss functions with their gradients.</summary>
public static class Losses
{
    /// <summary>
    /// Binary cross-entropy on a logit z with target y ∈ [0, 1] (PyTorch <c>BCEWithLogitsLoss</c>):
    /// max(z, 0) − z·y + log(1 + e^{−|z|}); <paramref name="gradient"/> = σ(z) − y.
    /// </summary>
    public static double BceWithLogits(double logit, double target, out double gradient)
    {
        gradient = Sigmoid(logit) - target;
        return Math.Max(logit, 0) - (logit * target) + Math.Log(1.0 + Math.Exp(-Math.Abs(logit)));
    }

    /// <summary>σ(z) without overflow.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));
}
