using Hfy.Kernels.Maps;

namespace Hfy.Learning.Associative;

/// <summary>
/// Settings of a Hopfield association (the hflayers <c>Hopfield</c> arguments the layers here use).
/// </summary>
/// <param name="Map">The normalising map over the stored patterns (softmax, entmax, sparsemax, normmax, k-subsets, sequential k-subsets).</param>
/// <param name="Heads">Number of heads.</param>
/// <param name="HiddenSize">Query/key width per head (hflayers <c>hidden_size</c>).</param>
/// <param name="Beta">β, the same for every head (the published code passes equal per-head values): scores are β⟨q, k⟩ with no 1/√d (hflayers <c>scaling</c>).</param>
/// <param name="Dropout">Dropout on the association weights, after the map.</param>
/// <param name="ValueSize">Value width per head (null: <paramref name="HiddenSize"/>).</param>
/// <param name="LayerNorms">Affine LayerNorms on the state, stored and projection inputs.</param>
/// <param name="ProjectionStd">Std of the N(0, std²) init of the query/key/value projection weights (biases 0).</param>
public sealed record HopfieldOptions(
    MapSpec Map,
    int Heads = 1,
    int HiddenSize = 32,
    double Beta = 1.0,
    double Dropout = 0.0,
    int? ValueSize = null,
    bool LayerNorms = true,
    double ProjectionStd = 0.02)
{
    /// <summary>Value width per head.</summary>
    public int HeadValueSize => ValueSize ?? HiddenSize;

    /// <summary>Throws one clear error for the first field out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Map);
        if (Heads < 1)
        {
            throw new ArgumentException($"heads: must be ≥ 1 (got {Heads})");
        }

        if (HiddenSize < 1 || HeadValueSize < 1)
        {
            throw new ArgumentException($"hiddenSize: must be ≥ 1 (got {HiddenSize}, value size {HeadValueSize})");
        }

        if (!(Beta > 0) || !double.IsFinite(Beta))
        {
            throw new ArgumentException($"beta: must be a finite number > 0 (got {Beta})");
        }

        Layers.DropoutMask.Check(Dropout);
    }
}
