using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Web;

/// <summary>An engine that forwards to another and records every retrieval in a <see cref="RequestMeter"/>.</summary>
public sealed class MeteredEngine : IRetrievalEngine
{
    private readonly IRetrievalEngine _inner;
    private readonly RequestMeter _meter;

    /// <summary>Wraps <paramref name="inner"/>; the wrapper owns it and disposes it.</summary>
    public MeteredEngine(IRetrievalEngine inner, RequestMeter meter)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(meter);
        _inner = inner;
        _meter = meter;
    }

    /// <summary>The engine requests are forwarded to.</summary>
    public IRetrievalEngine Inner => _inner;

    /// <inheritdoc />
    public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => _inner.CreateBankAsync(spec, cancellationToken);

    /// <inheritdoc />
    public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => _inner.DropBankAsync(bankName, cancellationToken);

    /// <inheritdoc />
    public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
    {
        var result = await _inner.RetrieveAsync(bankName, queries, batch, options, cancellationToken).ConfigureAwait(false);
        _meter.Record(result.Stats, batch);
        return result;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
