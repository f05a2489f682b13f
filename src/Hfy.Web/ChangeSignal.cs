namespace Hfy.Web;

/// <summary>
/// "Something the dashboard shows changed": a member's state, a stored cell, an ended experiment. The event stream
/// pushes a snapshot as soon as it is signalled instead of at the next tick, so a member that is Down for only a
/// moment before it is removed is still shown Down. Thread-safe; any number of waiters.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every current waiter.</summary>
    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
