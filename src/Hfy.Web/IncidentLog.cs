namespace Hfy.Web;

/// <summary>The most recent cluster incidents (bounded), newest first; thread-safe.</summary>
public sealed class IncidentLog
{
    /// <summary>Incidents kept by default.</summary>
    public const int DefaultCapacity = 200;

    private readonly Lock _gate = new();
    private readonly LinkedList<IncidentView> _items = new();
    private readonly int _capacity;
    private readonly TimeProvider _time;

    /// <summary>A log that keeps the last <paramref name="capacity"/> incidents.</summary>
    public IncidentLog(int capacity = DefaultCapacity, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Appends an incident stamped with the current time.</summary>
    public void Add(string kind, string subject, string detail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var incident = new IncidentView(_time.GetUtcNow(), kind, subject, detail);
        lock (_gate)
        {
            _items.AddFirst(incident);
            while (_items.Count > _capacity)
            {
                _items.RemoveLast();
            }
        }
    }

    /// <summary>The incidents, newest first.</summary>
    public IReadOnlyList<IncidentView> Recent()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }
}
