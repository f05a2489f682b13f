namespace Hfy.Learning;

/// <summary>A trainable tensor: its value, its accumulated gradient and its shape.</summary>
public sealed class Parameter
{
    /// <summary>A zero parameter of the given shape.</summary>
    public Parameter(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = shape;
        var size = 1;
        foreach (var d in shape)
        {
            size *= d;
        }

        Value = new double[size];
        Grad = new double[size];
    }

    /// <summary>Name, e.g. <c>weight</c>; <see cref="Module.NamedParameters"/> prefixes the module path.</summary>
    public string Name { get; }

    /// <summary>Shape (row-major).</summary>
    public int[] Shape { get; }

    /// <summary>The values.</summary>
    public double[] Value { get; }

    /// <summary>The gradient accumulated since the last <see cref="Module.ZeroGrad"/>.</summary>
    public double[] Grad { get; }

    /// <summary>Excluded from weight decay when false (not used by the layers here: PyTorch's AdamW decays every parameter).</summary>
    public bool Decay { get; init; } = true;
}
