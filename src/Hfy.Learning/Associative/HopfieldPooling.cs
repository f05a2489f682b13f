using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// Hopfield pooling (hflayers <c>HopfieldPooling</c>): a learned state pattern (<c>quantity</c> × input
/// width, N(0, 0.02²) init) queries the input set, which serves as both stored patterns and pattern projections.
/// Forward maps an N × d set to quantity × outputSize.
/// </summary>
public sealed class HopfieldPooling : HopfieldModule
{
    private readonly Matrix _queryView;

    /// <summary>Pooling of sets of width <paramref name="inputSize"/> into <paramref name="quantity"/> rows of width <paramref name="outputSize"/>.</summary>
    public HopfieldPooling(int inputSize, int outputSize, HopfieldOptions options, Random rng, int quantity = 1)
        : base(new HopfieldAssociation(inputSize, inputSize, inputSize, outputSize, options, rng))
    {
        if (quantity < 1)
        {
            throw new ArgumentException($"quantity: must be ≥ 1 (got {quantity})", nameof(quantity));
        }

        Query = LearnedPatterns("pooling_weights", quantity, inputSize, rng);
        _queryView = new Matrix(quantity, inputSize, Query.Value);
        InputSize = inputSize;
    }

    /// <summary>The learned state pattern(s).</summary>
    public Parameter Query { get; }

    /// <summary>Input width.</summary>
    public int InputSize { get; }

    /// <summary>Pools the set <paramref name="x"/> (N × inputSize).</summary>
    public Matrix Forward(Matrix x) => Association.Forward(_queryView, x, x);

    /// <summary>Accumulates the gradients (query included) and returns dx.</summary>
    public Matrix Backward(Matrix outputGrad)
    {
        var (dState, dStored, dProjection) = Association.Backward(outputGrad);
        TensorPrimitives.Add(Query.Grad, dState.Span, Query.Grad);
        return SharedGrad(dStored, dProjection);
    }

    /// <inheritdoc />
    protected override IEnumerable<Parameter> OwnParameters() => [Query];
}
