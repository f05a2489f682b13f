using System.Collections.Concurrent;
using Hfy.Experiments.Engines;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>Wraps an engine and counts completed retrievals per (bank, map, β, post), to prove no cell runs twice.</summary>
internal sealed class CountingEngine(IRetrievalEngine inner) : IRetrievalEngine
{
    public ConcurrentDictionary<string, int> Completed { get; } = new();

    public int Total => Completed.Values.Sum();

    public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => inner.CreateBankAsync(spec, cancellationToken);

    public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => inner.DropBankAsync(bankName, cancellationToken);

    public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
    {
        var r = await inner.RetrieveAsync(bankName, queries, batch, options, cancellationToken);
        Completed.AddOrUpdate($"{bankName}|{options.Map.Label}|{options.Beta}|{options.Post}|{queries.Sum()}", 1, (_, c) => c + 1);
        return r;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
