using System.Collections.Concurrent;
using System.Diagnostics;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Engines;

/// <summary>
/// <see cref="IRetrievalEngine"/> on the kernels in this process: banks are materialized with
/// <see cref="BankSources.Load"/> and each batch runs <see cref="HfyDynamics.RunBatch"/> (float32 batched scoring,
/// maps and readouts in float64). The reference the cluster engine is compared with; round trips and bytes moved are 0.
/// </summary>
public sealed class LocalEngine : IRetrievalEngine
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(BankSpec Spec, Bank Bank)>>> _banks = new(StringComparer.Ordinal);
    /// <summary>Names of the banks held.</summary>
    public IReadOnlyCollection<string> BankNames => _banks.Keys.ToArray();

    /// <inheritdoc />
    public async Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Name, nameof(spec));
        var entry = _banks.GetOrAdd(spec.Name, _ => new Lazy<Task<(BankSpec, Bank)>>(
            () => Task.Run(() => (spec, BankSources.Load(spec)), CancellationToken.None)));
        (BankSpec Spec, Bank Bank) held;
        try
        {
            held = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _banks.TryRemove(new KeyValuePair<string, Lazy<Task<(BankSpec, Bank)>>>(spec.Name, entry));
            throw;
        }
        if (held.Spec != spec)
            throw new InvalidOperationException($"bank '{spec.Name}' exists with a different spec ({held.Spec}); drop it first");
    }

    /// <inheritdoc />
    public Task DropBankAsync(string bankName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bankName);
        _banks.TryRemove(bankName, out _);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bankName);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(options);
        if (!_banks.TryGetValue(bankName, out var entry)) throw new KeyNotFoundException($"no bank '{bankName}'");
        var (_, bank) = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "must be ≥ 0");
        if ((long)batch * bank.Dim != queries.LongLength)
            throw new ArgumentException($"queries has {queries.Length} floats, expected batch × D = {(long)batch * bank.Dim}", nameof(queries));

        var clock = Stopwatch.StartNew();
        var results = await Task.Run(() => HfyDynamics.RunBatch(bank, queries, batch, options), cancellationToken).ConfigureAwait(false);
        var steps = results.Length == 0 ? 0 : results.Max(r => r.Steps);
        return new BatchRetrievalResult(results, new RequestStats(steps, 0, 0, clock.Elapsed));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _banks.Clear();
        return ValueTask.CompletedTask;
    }
}
