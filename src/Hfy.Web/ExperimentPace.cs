namespace Hfy.Web;

/// <summary>When to call an experiment stalled (settings of <see cref="ExperimentPace.Of"/>).</summary>
/// <param name="RecentCells">Cells the pace is measured over: the latest this many finished.</param>
/// <param name="StallFactor">Stalled once no cell finished for this many times the pace's interval between cells …</param>
/// <param name="StallAfter">… and for at least this long (cells get longer as banks grow; a short pause is not a stall).</param>
public sealed record PaceOptions(int RecentCells = 20, double StallFactor = 10, TimeSpan? StallAfter = null)
{
    /// <summary>The defaults: the latest 20 cells, stalled after 10 intervals and at least 60 s.</summary>
    public static PaceOptions Default { get; } = new();

    /// <summary>The floor of the stall rule (60 s when not given).</summary>
    public TimeSpan StallFloor => StallAfter ?? TimeSpan.FromSeconds(60);
}

/// <summary>
/// One experiment's pace from its own stored cells (never summed over experiments): the rate is k / (t_last − t_first)
/// over its latest k finished cells, t_first being the earliest start among them (so one cell already gives a rate,
/// and cells that ran side by side count once each); the ETA is the remaining cells at that rate. A running experiment
/// whose latest cell is older than max(StallFactor / rate, StallAfter) is stalled: it has no ETA.
/// </summary>
/// <param name="CellsPerMinute">Recent rate, or null before the first cell.</param>
/// <param name="EtaSeconds">Seconds to finish at that rate, or null (not running, no rate yet, stalled).</param>
/// <param name="Stalled">True while running with no cell finished for much longer than the rate predicts.</param>
/// <param name="LastCellAt">When the latest cell was stored, or null.</param>
public sealed record ExperimentPace(double? CellsPerMinute, double? EtaSeconds, bool Stalled, DateTimeOffset? LastCellAt)
{
    /// <summary>No cells yet.</summary>
    public static ExperimentPace None { get; } = new(null, null, false, null);

    /// <summary>The pace of an experiment with <paramref name="total"/> cells whose stored cells ran over <paramref name="cells"/>.</summary>
    /// <param name="cells">(start, finish) of every stored cell, any order.</param>
    /// <param name="total">Cells in the whole experiment.</param>
    /// <param name="running">True when the experiment is running (only then is there an ETA or a stall).</param>
    /// <param name="now">The current time.</param>
    /// <param name="options">Window and stall rule; <see cref="PaceOptions.Default"/> when null.</param>
    /// <param name="runStarted">
    /// When the current run (or resume) started, when known: only cells finished since then set the pace, so a resumed
    /// experiment is not called stalled for the hours it lay failed or cancelled.
    /// </param>
    public static ExperimentPace Of(IReadOnlyCollection<(DateTimeOffset Started, DateTimeOffset Finished)> cells, int total, bool running, DateTimeOffset now,
        PaceOptions? options = null, DateTimeOffset? runStarted = null)
    {
        ArgumentNullException.ThrowIfNull(cells);
        options ??= PaceOptions.Default;
        var window = running && runStarted is { } since ? cells.Where(c => c.Finished >= since).ToList() : (IReadOnlyCollection<(DateTimeOffset Started, DateTimeOffset Finished)>)cells;
        if (window.Count == 0)
        {
            return cells.Count == 0 ? None : new(null, null, false, cells.Max(c => c.Finished));
        }

        var recent = window.OrderByDescending(c => c.Finished).Take(Math.Max(1, options.RecentCells)).ToList();
        var last = recent[0].Finished;
        var span = (last - recent.Min(c => c.Started)).TotalSeconds;
        double? perSecond = span > 0 ? recent.Count / span : null;
        if (!running || perSecond is not { } rate)
        {
            return new(perSecond * 60, null, false, last);
        }

        var quiet = (now - last).TotalSeconds;
        var stalled = quiet > Math.Max(options.StallFactor / rate, options.StallFloor.TotalSeconds);
        var remaining = Math.Max(0, total - cells.Count);
        return new(rate * 60, stalled ? null : remaining / rate, stalled, last);
    }
}
