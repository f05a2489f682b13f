using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// Hopfield pooling (hflayers <c>HopfieldPooling</c>): a learned state pattern (<c>quantity</c> × input
/// width, N(0, 0.02²) init) queries the input set, which serves as both stored patterns and pattern projections.
/// Forward maps an N × d set to quantity × outputSize.
/// </summary>
public sealed class HopfieldPooling : Module
{
    private readonly HopfieldAssociation _association;
    private readonly Matrix _queryView;
    private readonly Matrix _inputGrad = new(0, 0);

    /// <summary>Pooling of sets of width <paramref name="inputSize"/> into <paramref name="quantity"/> rows of width <paramref name="outputSize"/>.</summary>
    public HopfieldPooling(int inputSize, int outputSize, HopfieldOptions options, Random rng, int quantity = 1)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (quantity < 1)
        {
            throw new ArgumentException($"quantity: must be ≥ 1 (got {quantity})", nameof(quantity));
        }

        _association = new HopfieldAssociation(inputSize, inputSize, inputSize, outputSize, options, rng);
        Query = new Parameter("pooling_weights", quantity, inputSize);
        Init.Normal(Query.Value, 0.02, rng);
        _queryView = new Matrix(quantity, inputSize, Query.Value);
        InputSize = inputSize;
    }

    /// <summary>The learned state pattern(s).</summary>
    public Parameter Query { get; }

    /// <summary>Input width.</summary>
    public int InputSize { get; }

    /// <summary>The association (its weights after a forward pass: <see cref="HopfieldAssociation.LastWeights"/>).</summary>
    public HopfieldAssociation Association => _association;

    /// <summary>Pools the set <paramref name="x"/> (N × inputSize).</summary>
    public Matrix Forward(Matrix x) => _association.Forward(_queryView, x, x);

    /// <summary>Accumulates the gradients (query included) and returns dx.</summary>
    public Matrix Backward(Matrix outputGrad)
    {
        var (dState, dStored, dProjection) = _association.Backward(outputGrad);
        TensorPrimitives.Add(Query.Grad, dState.Span, Query.Grad);
        var dx = _inputGrad.Resize(dStored.Rows, dStored.Cols);
        TensorPrimitives.Add(dStored.Span, dProjection.Span, dx.Span);
        return dx;
    }

    /// <inheritdoc />
    protected override IEnumerable<Parameter> OwnParameters() => [Query];

    /// <inheritdoc />
    protected override IEnumerable<(string Name, Module Module)> Children() => [("hopfield", _association)];
}
