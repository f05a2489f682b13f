using System.Collections.Concurrent;
using System.Diagnostics;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Experiments.Engines;

/// <summary>
/// <see cref="IRetrievalEngine"/> on the kernels in this process: banks are opened as the store their
/// <see cref="BankSpec.Storage"/> asks for (<see cref="BankSources.OpenStore(BankSpec)"/>: a resident bank when it fits
/// one array, else procedural or memory-mapped; half and bit-packed on request) and each batch runs
/// <see cref="HfyDynamics.RunBatch(IPatternStore, ReadOnlySpan{float}, int, RetrievalOptions, Hfy.Kernels.Retrieval.StoreSourceSettings?, out long)"/>
/// (float32 scoring, maps and readouts in float64; stores other than a resident bank stream through fused passes).
/// The reference the cluster engine is compared with; round trips and bytes moved are 0.
/// </summary>
public sealed class LocalEngine : IRetrievalEngine
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(BankSpec Spec, IPatternStore Store)>>> _banks = new(StringComparer.Ordinal);
    /// <summary>Bytes this engine may hold for one bank (<see cref="MemoryAdmission.NodeBudget"/> unless set).</summary>
    public long MemoryBudgetBytes { get; init; } = MemoryAdmission.NodeBudget();

    /// <summary>Names of the banks held.</summary>
    public IReadOnlyCollection<string> BankNames => _banks.Keys.ToArray();

    /// <inheritdoc />
    public async Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Name, nameof(spec));
        if (MemoryAdmission.Refusal(spec, spec.Rows, MemoryBudgetBytes) is { } refusal) throw new ArgumentException(refusal, nameof(spec));
        var entry = _banks.GetOrAdd(spec.Name, _ => new Lazy<Task<(BankSpec, IPatternStore)>>(
            () => Task.Run(() => (spec, BankSources.OpenStore(spec)), CancellationToken.None)));
        (BankSpec Spec, IPatternStore Store) held;
        try
        {
            held = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _banks.TryRemove(new KeyValuePair<string, Lazy<Task<(BankSpec, IPatternStore)>>>(spec.Name, entry));
            throw;
        }
        if (held.Spec != spec)
            throw new InvalidOperationException($"bank '{spec.Name}' exists with a different spec ({held.Spec}); drop it first");
    }

    /// <inheritdoc />
    public Task DropBankAsync(string bankName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bankName);
        if (_banks.TryRemove(bankName, out var entry)) Release(entry);
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
        long passes = 0;
        var results = await Task.Run(() => HfyDynamics.RunBatch(bank, queries, batch, options, null, out passes), cancellationToken).ConfigureAwait(false);
        var steps = results.Length == 0 ? 0 : results.Max(r => r.Steps);
        return new BatchRetrievalResult(results, new RequestStats(steps, 0, 0, clock.Elapsed) { StorePasses = passes });
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var entry in _banks.Values) Release(entry);
        _banks.Clear();
        return ValueTask.CompletedTask;
    }

    /// <summary>Unmaps a mapped store (other kinds hold only managed memory).</summary>
    private static void Release(Lazy<Task<(BankSpec Spec, IPatternStore Store)>> entry)
    {
        if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully && entry.Value.Result.Store is IDisposable disposable) disposable.Dispose();
    }
}
