namespace Hfy.Experiments.Results;

/// <summary>The parameters of a stored cell (denormalized so exports need no spec).</summary>
/// <param name="N">Bank size.</param>
/// <param name="Map">Map label.</param>
/// <param name="Beta">β.</param>
/// <param name="Post">Post-transform name.</param>
/// <param name="Noise">σ.</param>
/// <param name="Repeat">Repeat index.</param>
public sealed record CellParams(long N, string Map, double Beta, string Post, double Noise, int Repeat)
{
    /// <summary>The parameters of a cell.</summary>
    public static CellParams Of(Cell c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.N, c.Map.Label, c.Beta, Cell.PostName(c.Post), c.Noise, c.Repeat);
    }

    /// <summary>The key of the cell group (everything but the repeat).</summary>
    public string GroupKey => Cell.MakeGroupKey(N, Map, Beta, Cell.ParsePost(Post) ?? default, Noise);
}

/// <summary>A finished cell as stored.</summary>
/// <param name="ExperimentId">Experiment.</param>
/// <param name="Key">Cell key (unique per experiment).</param>
/// <param name="Index">Position in the grid expansion.</param>
/// <param name="Params">Parameters.</param>
/// <param name="Metrics">Measurements.</param>
/// <param name="StartedUtc">When the cell started.</param>
/// <param name="FinishedUtc">When it was stored.</param>
public sealed record CellRecord(string ExperimentId, string Key, int Index, CellParams Params, CellMetrics Metrics, DateTime StartedUtc, DateTime FinishedUtc);

/// <summary>An experiment as stored.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Name">Name from the spec.</param>
/// <param name="Kind">Kind from the spec.</param>
/// <param name="SpecJson">The spec as submitted (normalized JSON).</param>
/// <param name="Status">queued, running, finished, failed or cancelled.</param>
/// <param name="TotalCells">Cells in the expansion.</param>
/// <param name="DoneCells">Cells stored.</param>
/// <param name="CreatedUtc">Submission time.</param>
/// <param name="FinishedUtc">Completion time.</param>
/// <param name="Error">Why it failed.</param>
public sealed record ExperimentRecord(string Id, string Name, string Kind, string SpecJson, string Status, int TotalCells, int DoneCells,
    DateTime CreatedUtc, DateTime? FinishedUtc, string? Error)
{
    /// <summary>The stored spec.</summary>
    public ExperimentSpec Spec => ExperimentSpec.Parse(SpecJson);
}

/// <summary>Experiment statuses.</summary>
public static class ExperimentStatus
{
    /// <summary>Accepted, not started.</summary>
    public const string Queued = "queued";
    /// <summary>Running (or interrupted while running: resumed on restart).</summary>
    public const string Running = "running";
    /// <summary>Every cell stored.</summary>
    public const string Finished = "finished";
    /// <summary>Stopped by an error.</summary>
    public const string Failed = "failed";
    /// <summary>Cancelled by a user.</summary>
    public const string Cancelled = "cancelled";
}
