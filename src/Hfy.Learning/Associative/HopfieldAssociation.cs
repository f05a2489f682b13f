using System.Numerics.Tensors;
using Hfy.Learning.Layers;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Associative;

/// <summary>
/// One Hopfield update with any HFY map (docs/math.md §2), multi-head, as hflayers' <c>HopfieldCore</c>
/// with one update step: for state patterns R (S × d_r), stored patterns Y (N × d_y) and pattern projections
/// V (N × d_v), per head h and state s
/// <c>θ = β_h K_h q_{s,h}</c>, <c>p = ŷ_Ω(θ)</c>, <c>a = dropout(p)</c>, <c>o_{s,h} = V_hᵀ a</c>,
/// then <c>out = [o_{s,1} … o_{s,H}] W_o + b_o</c>, where Q = LN(R) W_q + b_q, K = LN(Y) W_k + b_k,
/// V_h from LN(V) W_v + b_v. Backward is exact: the map's VJP comes from the engine.
/// </summary>
public sealed class HopfieldAssociation : Module
{
    private readonly AssociationMap _map;
    private readonly LayerNorm? _normState;
    private readonly LayerNorm? _normStored;
    private readonly LayerNorm? _normProjection;
    private readonly Linear _queryProj;
    private readonly Linear _keyProj;
    private readonly Linear _valueProj;
    private readonly Linear _outProj;
    private readonly Matrix _heads = new(0, 0);
    private readonly Matrix _queryGrad = new(0, 0);
    private readonly Matrix _keyGrad = new(0, 0);
    private readonly Matrix _valueGrad = new(0, 0);
    private double[] _theta = [];
    private double[] _weights = [];
    private double[] _dropped = [];
    private double[] _mask = [];
    private double[] _scratch = [];
    private double[] _scratch2 = [];
    private Matrix? _q;
    private Matrix? _k;
    private Matrix? _v;
    private int _states;
    private int _stored;
    private bool _dropping;

    /// <summary>An association from state width <paramref name="stateSize"/>, stored width <paramref name="storedSize"/>
    /// and projection width <paramref name="projectionSize"/> to <paramref name="outputSize"/>.</summary>
    public HopfieldAssociation(int stateSize, int storedSize, int projectionSize, int outputSize, HopfieldOptions options, Random rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        options.Validate();
        Options = options;
        _map = new AssociationMap(options.Map);
        if (options.LayerNorms)
        {
            _normState = new LayerNorm(stateSize);
            _normStored = new LayerNorm(storedSize);
            _normProjection = new LayerNorm(projectionSize);
        }

        var hq = options.Heads * options.HiddenSize;
        var hv = options.Heads * options.HeadValueSize;
        _queryProj = Projection(stateSize, hq, options.ProjectionStd, rng);
        _keyProj = Projection(storedSize, hq, options.ProjectionStd, rng);
        _valueProj = Projection(projectionSize, hv, options.ProjectionStd, rng);
        _outProj = new Linear(hv, outputSize, rng);
        Array.Clear(_outProj.Bias!.Value);
        Generator = new Random(rng.Next());
    }

    /// <summary>The settings.</summary>
    public HopfieldOptions Options { get; }

    /// <summary>Generator of the dropout masks on the association weights (replace it to replay masks).</summary>
    public Random Generator { get; set; }

    /// <summary>The association weights of the last forward pass (after the map, before dropout), head-major: [h][s][n].</summary>
    public ReadOnlySpan<double> LastWeights => _weights.AsSpan(0, Options.Heads * _states * _stored);

    /// <summary>Rows of the last forward pass's stored patterns.</summary>
    public int LastStoredCount => _stored;

    /// <summary>Runs the update; returns S × outputSize (a buffer owned by this module).</summary>
    public Matrix Forward(Matrix state, Matrix stored, Matrix projection)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(projection);
        if (stored.Rows != projection.Rows)
        {
            throw new ArgumentException($"projection: must have as many rows as stored ({stored.Rows}, got {projection.Rows})", nameof(projection));
        }

        if (stored.Rows < 1)
        {
            throw new ArgumentException("stored: at least one stored pattern is needed", nameof(stored));
        }

        var r = _normState?.Forward(state) ?? state;
        var y = _normStored?.Forward(stored) ?? stored;
        var vin = _normProjection?.Forward(projection) ?? projection;
        _q = _queryProj.Forward(r);
        _k = _keyProj.Forward(y);
        _v = _valueProj.Forward(vin);

        int heads = Options.Heads, dh = Options.HiddenSize, dv = Options.HeadValueSize;
        _states = state.Rows;
        _stored = stored.Rows;
        var n = _stored;
        var total = heads * _states * n;
        Ensure(ref _theta, total);
        Ensure(ref _weights, total);
        Ensure(ref _scratch, n);
        Ensure(ref _scratch2, n);
        _dropping = Training && Options.Dropout > 0;
        if (_dropping)
        {
            Ensure(ref _mask, total);
            Ensure(ref _dropped, total);
            DropoutMask.Draw(_mask.AsSpan(0, total), Options.Dropout, Generator);
        }

        var o = _heads.ResizeZero(_states, heads * dv);
        var beta = Options.Beta;
        for (var h = 0; h < heads; h++)
        {
            for (var s = 0; s < _states; s++)
            {
                var offset = ((h * _states) + s) * n;
                var theta = _theta.AsSpan(offset, n);
                var q = _q.Slice(s, h * dh, dh);
                for (var j = 0; j < n; j++)
                {
                    theta[j] = beta * TensorPrimitives.Dot<double>(q, _k.Slice(j, h * dh, dh));
                }

                var p = _weights.AsSpan(offset, n);
                _map.Forward(offset / n, theta, p);
                ReadOnlySpan<double> a = p;
                if (_dropping)
                {
                    var d = _dropped.AsSpan(offset, n);
                    TensorPrimitives.Multiply(p, _mask.AsSpan(offset, n), d);
                    a = d;
                }

                var os = o.Slice(s, h * dv, dv);
                for (var j = 0; j < n; j++)
                {
                    if (a[j] != 0.0)
                    {
                        TensorPrimitives.MultiplyAdd(_v.Slice(j, h * dv, dv), a[j], os, os);
                    }
                }
            }
        }

        return _outProj.Forward(o);
    }

    /// <summary>Accumulates the parameter gradients and returns (dState, dStored, dProjection), buffers owned by this module's layers.</summary>
    public (Matrix State, Matrix Stored, Matrix Projection) Backward(Matrix outputGrad)
    {
        ArgumentNullException.ThrowIfNull(outputGrad);
        if (_q is null || _k is null || _v is null)
        {
            throw new InvalidOperationException("HopfieldAssociation: Backward before Forward");
        }

        int heads = Options.Heads, dh = Options.HiddenSize, dv = Options.HeadValueSize, n = _stored;
        var dO = _outProj.Backward(outputGrad);
        var dQ = _queryGrad.ResizeZero(_states, heads * dh);
        var dK = _keyGrad.ResizeZero(n, heads * dh);
        var dV = _valueGrad.ResizeZero(n, heads * dv);
        var beta = Options.Beta;
        var da = _scratch.AsSpan(0, n);
        var dtheta = _scratch2.AsSpan(0, n);
        for (var h = 0; h < heads; h++)
        {
            for (var s = 0; s < _states; s++)
            {
                var offset = ((h * _states) + s) * n;
                var p = _weights.AsSpan(offset, n);
                ReadOnlySpan<double> a = _dropping ? _dropped.AsSpan(offset, n) : p;
                var dos = dO.Slice(s, h * dv, dv);
                for (var j = 0; j < n; j++)
                {
                    da[j] = TensorPrimitives.Dot<double>(dos, _v.Slice(j, h * dv, dv));
                    if (a[j] != 0.0)
                    {
                        var dvj = dV.Slice(j, h * dv, dv);
                        TensorPrimitives.MultiplyAdd(dos, a[j], dvj, dvj);
                    }
                }

                if (_dropping)
                {
                    TensorPrimitives.Multiply(da, _mask.AsSpan(offset, n), da);
                }

                _map.Backward(offset / n, _theta.AsSpan(offset, n), p, da, dtheta);
                var q = _q.Slice(s, h * dh, dh);
                var dq = dQ.Slice(s, h * dh, dh);
                for (var j = 0; j < n; j++)
                {
                    var g = beta * dtheta[j];
                    if (g != 0.0)
                    {
                        TensorPrimitives.MultiplyAdd(_k.Slice(j, h * dh, dh), g, dq, dq);
                        var dk = dK.Slice(j, h * dh, dh);
                        TensorPrimitives.MultiplyAdd(q, g, dk, dk);
                    }
                }
            }
        }

        var dr = _queryProj.Backward(dQ);
        var dy = _keyProj.Backward(dK);
        var dvin = _valueProj.Backward(dV);
        return (_normState?.Backward(dr) ?? dr, _normStored?.Backward(dy) ?? dy, _normProjection?.Backward(dvin) ?? dvin);
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Name, Module Module)> Children()
    {
        if (_normState is not null)
        {
            yield return ("norm_state_pattern", _normState);
            yield return ("norm_stored_pattern", _normStored!);
            yield return ("norm_pattern_projection", _normProjection!);
        }

        yield return ("q_proj", _queryProj);
        yield return ("k_proj", _keyProj);
        yield return ("v_proj", _valueProj);
        yield return ("out_proj", _outProj);
    }

    private static Linear Projection(int input, int output, double std, Random rng)
    {
        var layer = new Linear(input, output, rng);
        Init.Normal(layer.Weight.Value, std, rng);
        Array.Clear(layer.Bias!.Value);
        return layer;
    }

    private static void Ensure(ref double[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new double[Math.Max(length, 2 * buffer.Length)];
        }
    }
}
