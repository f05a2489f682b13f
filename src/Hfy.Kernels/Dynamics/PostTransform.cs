namespace Hfy.Kernels.Dynamics;

/// <summary>Post-transformation ŷ_Ψ applied after the readout Xᵀp (docs/math.md §1).</summary>
public enum PostTransform
{
    /// <summary>Ψ = ½‖q‖²: q ← z.</summary>
    Identity,
    /// <summary>Unit ball: q ← z/‖z‖; rows and the initial query are ℓ2-normalized first.</summary>
    L2,
    /// <summary>Layer norm without affine part (eps 1e-5, biased variance); rows and the initial query normalized first.</summary>
    LayerNorm,
    /// <summary>Scaled binary entropy: q ← tanh(β z).</summary>
    Tanh,
}
