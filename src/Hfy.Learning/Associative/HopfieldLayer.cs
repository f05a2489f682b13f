using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// Hopfield layer with learned memories (hflayers <c>HopfieldLayer</c>): each input row is a state pattern that
/// retrieves from <c>quantity</c> trainable stored patterns (which also serve as pattern projections,
/// N(0, 0.02²) init). Forward maps S × inputSize to S × outputSize.
/// </summary>
public sealed class HopfieldLayer : HopfieldModule
{
    private readonly Matrix _memoryView;

    /// <summary>A layer with <paramref name="quantity"/> learned memories of width <paramref name="memorySize"/>.</summary>
    public HopfieldLayer(int inputSize, int outputSize, int quantity, int memorySize, HopfieldOptions options, Random rng)
        : base(new HopfieldAssociation(inputSize, memorySize, memorySize, outputSize, options, rng))
    {
        if (quantity < 1 || memorySize < 1)
        {
            throw new ArgumentException($"quantity: memories must be ≥ 1 and of width ≥ 1 (got {quantity} × {memorySize})", nameof(quantity));
        }

        Memories = LearnedPatterns("lookup_weights", quantity, memorySize, rng);
        _memoryView = new Matrix(quantity, memorySize, Memories.Value);
    }

    /// <summary>The learned stored patterns.</summary>
    public Parameter Memories { get; }

    /// <summary>Retrieves for every row of <paramref name="x"/>.</summary>
    public Matrix Forward(Matrix x) => Association.Forward(x, _memoryView, _memoryView);

    /// <summary>Accumulates the gradients (memories included) and returns dx.</summary>
    public Matrix Backward(Matrix outputGrad)
    {
        var (dState, dStored, dProjection) = Association.Backward(outputGrad);
        TensorPrimitives.Add(Memories.Grad, dStored.Span, Memories.Grad);
        TensorPrimitives.Add(Memories.Grad, dProjection.Span, Memories.Grad);
        return dState;
    }

    /// <inheritdoc />
    protected override IEnumerable<Parameter> OwnParameters() => [Memories];
}
