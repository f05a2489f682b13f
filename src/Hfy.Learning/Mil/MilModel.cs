using Hfy.Kernels.Maps;
using Hfy.Learning.Associative;
using Hfy.Learning.Layers;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Mil;

/// <summary>
/// Settings of one MIL run (data/mil/README.md, "Model (HopfieldMIL)" and "Training").
/// </summary>
/// <param name="Map">Normalising map of the pooling.</param>
/// <param name="Lr">AdamW learning rate.</param>
/// <param name="LrDecay">ExponentialLR γ, stepped once per epoch.</param>
/// <param name="EmbDims">Instance embedding width.</param>
/// <param name="EmbLayers">Linear + ReLU layers of the instance embedding.</param>
/// <param name="HiddenSize">Query/key/value width per head.</param>
/// <param name="Heads">Heads of the pooling.</param>
/// <param name="Beta">β per head.</param>
/// <param name="Dropout">Dropout on the association weights.</param>
/// <param name="Epochs">Training epochs (batch size 1, shuffled).</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Clip">Gradient-norm clip.</param>
/// <param name="InitSeed">Seed of the parameter initialisation and the dropout masks (the published code fixes 42).</param>
public sealed record MilConfig(
    MapSpec Map,
    double Lr = 1e-3,
    double LrDecay = 0.98,
    int EmbDims = 32,
    int EmbLayers = 2,
    int HiddenSize = 32,
    int Heads = 12,
    double Beta = 1.0,
    double Dropout = 0.0,
    int Epochs = 50,
    double WeightDecay = 1e-4,
    double Clip = 1.0,
    int InitSeed = 42)
{
    /// <summary>A short label of the hyper-parameters (map excluded).</summary>
    public string HyperLabel => FormattableString.Invariant(
        $"lr={Lr:G} decay={LrDecay:G} emb={EmbDims}x{EmbLayers} hidden={HiddenSize} heads={Heads} beta={Beta:G} dropout={Dropout:G} epochs={Epochs}");
}

/// <summary>
/// The published MIL model: instance embedding (Linear + ReLU) × L, <see cref="HopfieldPooling"/> of the bag into one
/// vector, ReLU, Linear(emb → 1) giving the bag logit.
/// </summary>
public sealed class MilModel : Module
{
    private readonly Linear[] _embedding;
    private readonly Relu[] _relus;
    private readonly HopfieldPooling _pooling;
    private readonly Relu _poolRelu = new();
    private readonly Linear _classifier;
    private readonly Matrix _logitGrad = new(1, 1);

    /// <summary>A model for instances of width <paramref name="features"/>.</summary>
    public MilModel(int features, MilConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.EmbLayers < 1 || config.EmbDims < 1)
        {
            throw new ArgumentException($"embLayers, embDims: must be ≥ 1 (got {config.EmbLayers}, {config.EmbDims})");
        }

        var rng = new Random(config.InitSeed);
        _embedding = new Linear[config.EmbLayers];
        _relus = new Relu[config.EmbLayers];
        for (var i = 0; i < config.EmbLayers; i++)
        {
            _embedding[i] = new Linear(i == 0 ? features : config.EmbDims, config.EmbDims, rng);
            _relus[i] = new Relu();
        }

        _embedding[0].NeedsInputGrad = false;
        var options = new HopfieldOptions(config.Map, config.Heads, config.HiddenSize, config.Beta, config.Dropout);
        _pooling = new HopfieldPooling(config.EmbDims, config.EmbDims, options, rng);
        _classifier = new Linear(config.EmbDims, 1, rng);
        Config = config;
    }

    /// <summary>The settings.</summary>
    public MilConfig Config { get; }

    /// <summary>The pooling layer.</summary>
    public HopfieldPooling Pooling => _pooling;

    /// <summary>The bag logit.</summary>
    public double Forward(Matrix bag)
    {
        var h = bag;
        for (var i = 0; i < _embedding.Length; i++)
        {
            h = _relus[i].Forward(_embedding[i].Forward(h));
        }

        var pooled = _poolRelu.Forward(_pooling.Forward(h));
        return _classifier.Forward(pooled)[0, 0];
    }

    /// <summary>Accumulates the parameter gradients of the last <see cref="Forward"/> for dLoss/dlogit.</summary>
    public void Backward(double logitGrad)
    {
        _logitGrad[0, 0] = logitGrad;
        var g = _pooling.Backward(_poolRelu.Backward(_classifier.Backward(_logitGrad)));
        for (var i = _embedding.Length - 1; i >= 0; i--)
        {
            g = _embedding[i].Backward(_relus[i].Backward(g));
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Name, Module Module)> Children()
    {
        for (var i = 0; i < _embedding.Length; i++)
        {
            yield return ($"emb.{i}", _embedding[i]);
        }

        yield return ("pooling", _pooling);
        yield return ("classifier", _classifier);
    }
}
