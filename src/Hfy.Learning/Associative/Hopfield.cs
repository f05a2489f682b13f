using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// Association between two sets (hflayers <c>Hopfield</c>): state patterns R (S × stateSize) retrieve from
/// stored patterns Y (N × storedSize), which also serve as the pattern projections. Forward gives S × outputSize.
/// </summary>
public sealed class Hopfield : Module
{
    private readonly HopfieldAssociation _association;
    private readonly Matrix _storedGrad = new(0, 0);

    /// <summary>An association of state width <paramref name="stateSize"/> with stored width <paramref name="storedSize"/>.</summary>
    public Hopfield(int stateSize, int storedSize, int outputSize, HopfieldOptions options, Random rng) =>
        _association = new HopfieldAssociation(stateSize, storedSize, storedSize, outputSize, options, rng);

    /// <summary>The association.</summary>
    public HopfieldAssociation Association => _association;

    /// <summary>Retrieves from <paramref name="stored"/> for every row of <paramref name="state"/>.</summary>
    public Matrix Forward(Matrix state, Matrix stored) => _association.Forward(state, stored, stored);

    /// <summary>Accumulates the gradients and returns (dState, dStored).</summary>
    public (Matrix State, Matrix Stored) Backward(Matrix outputGrad)
    {
        var (dState, dStored, dProjection) = _association.Backward(outputGrad);
        var dy = _storedGrad.Resize(dStored.Rows, dStored.Cols);
        TensorPrimitives.Add(dStored.Span, dProjection.Span, dy.Span);
        return (dState, dy);
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Name, Module Module)> Children() => [("hopfield", _association)];
}
