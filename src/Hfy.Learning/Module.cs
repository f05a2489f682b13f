namespace Hfy.Learning;

/// <summary>
/// A layer or model shaped like a PyTorch / TorchSharp <c>nn.Module</c>: parameters, children, train / eval
/// mode. Forward and backward live on the concrete types (layer-wise reverse mode): a module caches what its
/// backward pass needs during Forward, so each module instance runs once per forward pass, and the inputs it
/// was given must stay unchanged until its Backward.
/// </summary>
public abstract class Module
{
    /// <summary>True in training mode (dropout active), false in evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Sets training mode on this module and every child.</summary>
    public void Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in Children())
        {
            child.Train(training);
        }
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public void Eval() => Train(false);

    /// <summary>All parameters of this module and its children, depth first, in a fixed order.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>All parameters with dotted paths (<c>pooling.query_proj.weight</c>), in the order of <see cref="Parameters"/>.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var p in OwnParameters())
        {
            yield return (p.Name, p);
        }

        foreach (var (name, child) in Children())
        {
            foreach (var (n, p) in child.NamedParameters())
            {
                yield return ($"{name}.{n}", p);
            }
        }
    }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            Array.Clear(p.Grad);
        }
    }

    /// <summary>Number of trainable scalars.</summary>
    public int ParameterCount() => Parameters().Sum(p => p.Value.Length);

    /// <summary>This module's own parameters (not its children's).</summary>
    protected virtual IEnumerable<Parameter> OwnParameters() => [];

    /// <summary>Named child modules.</summary>
    protected virtual IEnumerable<(string Name, Module Module)> Children() => [];
}
