using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// Association between two sets (hflayers <c>Hopfield</c>): state patterns R (S × stateSize) retrieve from
/// stored patterns Y (N × storedSize), which also serve as the pattern projections. Forward gives S × outputSize.
/// </summary>
public sealed class Hopfield : HopfieldModule
{
    /// <summary>An association of state width <paramref name="stateSize"/> with stored width <paramref name="storedSize"/>.</summary>
    public Hopfield(int stateSize, int storedSize, int outputSize, HopfieldOptions options, Random rng)
        : base(new HopfieldAssociation(stateSize, storedSize, storedSize, outputSize, options, rng))
    {
    }

    /// <summary>Retrieves from <paramref name="stored"/> for every row of <paramref name="state"/>.</summary>
    public Matrix Forward(Matrix state, Matrix stored) => Association.Forward(state, stored, stored);

    /// <summary>Accumulates the gradients and returns (dState, dStored).</summary>
    public (Matrix State, Matrix Stored) Backward(Matrix outputGrad)
    {
        var (dState, dStored, dProjection) = Association.Backward(outputGrad);
        return (dState, SharedGrad(dStored, dProjection));
    }
}
