using System.Numerics.Tensors;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// What the hflayers wrappers (<see cref="Hopfield"/>, <see cref="HopfieldLayer"/>, <see cref="HopfieldPooling"/>) share:
/// one <see cref="HopfieldAssociation"/> (child <c>hopfield</c>), the gradient of a set that serves as both stored
/// patterns and pattern projections, and learned patterns with N(0, 0.02²) init.
/// </summary>
public abstract class HopfieldModule : Module
{
    private readonly Matrix _sharedGrad = new(0, 0);

    /// <summary>A wrapper of <paramref name="association"/>.</summary>
    private protected HopfieldModule(HopfieldAssociation association) => Association = association;

    /// <summary>The association (its weights after a forward pass: <see cref="HopfieldAssociation.LastWeights"/>).</summary>
    public HopfieldAssociation Association { get; }

    /// <summary>Learned patterns <paramref name="name"/>, <paramref name="rows"/> × <paramref name="cols"/>, drawn from N(0, 0.02²).</summary>
    private protected static Parameter LearnedPatterns(string name, int rows, int cols, Random rng)
    {
        var patterns = new Parameter(name, rows, cols);
        Init.Normal(patterns.Value, 0.02, rng);
        return patterns;
    }

    /// <summary>The gradient of a set passed as both stored patterns and projections: dStored + dProjection (buffer reused).</summary>
    private protected Matrix SharedGrad(Matrix dStored, Matrix dProjection)
    {
        var d = _sharedGrad.Resize(dStored.Rows, dStored.Cols);
        TensorPrimitives.Add(dStored.Span, dProjection.Span, d.Span);
        return d;
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Name, Module Module)> Children() => [("hopfield", Association)];
}
