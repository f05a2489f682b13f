using Hfy.Experiments.Engines;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>
/// Lets the first <paramref name="open"/> retrievals through, then holds every later one until <see cref="Release"/>:
/// a run caught mid-experiment at a known point. <paramref name="failOnCancel"/>: a held call whose token is cancelled
/// fails with a non-cancellation error (as a shard region that stopped under it does); otherwise it ignores the token.
/// </summary>
internal sealed class GatedEngine(IRetrievalEngine inner, int open, bool failOnCancel) : IRetrievalEngine
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>Completes when the first call is held.</summary>
    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => inner.CreateBankAsync(spec, cancellationToken);

    public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => inner.DropBankAsync(bankName, cancellationToken);

    public async Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) > open)
        {
            Held.TrySetResult();
            if (!failOnCancel)
            {
                await _gate.Task;
            }
            else
            {
                try
                {
                    await _gate.Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new InvalidOperationException("shard region stopped");
                }
            }
        }

        return await inner.RetrieveAsync(bankName, queries, batch, options, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
