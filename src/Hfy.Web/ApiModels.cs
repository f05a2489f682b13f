namespace Hfy.Web;

/// <summary>One cluster member as the API and the dashboard show it.</summary>
/// <param name="Address">Akka address, e.g. <c>akka.tcp://hfy@10.0.0.5:4053</c>.</param>
/// <param name="Roles">Cluster roles (<c>bank</c>, <c>coordinator</c>).</param>
/// <param name="Status">Member status as Akka reports it: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed.</param>
/// <param name="Reachable">False while some member's failure detector marks it unreachable.</param>
/// <param name="Leader">True for the cluster leader.</param>
/// <param name="Oldest">True for the oldest Up member (where cluster singletons live).</param>
public sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Leader, bool Oldest)
{
    /// <summary>
    /// What the dashboard counts the member as: its <see cref="Status"/>, except that a member marked unreachable is
    /// <c>Unreachable</c> until it is Down (Akka keeps reachability apart from the status, so an unreachable member
    /// still has status Up).
    /// </summary>
    public string State => Status is "Down" or "Removed" || Reachable ? Status : MemberStates.Unreachable;
}

/// <summary>The member states the dashboard counts, in the order a member passes through them.</summary>
public static class MemberStates
{
    /// <summary>A member whose status is not Down but which some failure detector marks unreachable.</summary>
    public const string Unreachable = "Unreachable";

    /// <summary>Every state, in display order: Joining, WeaklyUp, Up, Unreachable, Leaving, Exiting, Down, Removed.</summary>
    public static IReadOnlyList<string> All => Ordered;

    private static readonly string[] Ordered = ["Joining", "WeaklyUp", "Up", Unreachable, "Leaving", "Exiting", "Down", "Removed"];

    /// <summary>The position of <paramref name="state"/> in <see cref="All"/>; unknown states sort last.</summary>
    public static int Order(string state)
    {
        var i = Array.IndexOf(Ordered, state);
        return i < 0 ? Ordered.Length : i;
    }
}

/// <summary>How many members are in one state.</summary>
/// <param name="State">A <see cref="MemberView.State"/>.</param>
/// <param name="Count">Members in it (at least 1).</param>
public sealed record MemberStateCount(string State, int Count);

/// <summary>Something that went wrong (or recovered) in the cluster, kept for the dashboard's incident list.</summary>
/// <param name="At">When the coordinator saw it.</param>
/// <param name="Kind"><c>unreachable</c>, <c>reachable</c>, <c>downed</c>, <c>removed</c>, <c>partition-failed</c>, <c>partition-moved</c>, …</param>
/// <param name="Subject">The member address or partition it concerns.</param>
/// <param name="Detail">One human-readable line.</param>
public sealed record IncidentView(DateTimeOffset At, string Kind, string Subject, string Detail);

/// <summary>The cluster as the coordinator sees it right now.</summary>
/// <param name="Self">The coordinator's own address.</param>
/// <param name="Leader">The leader's address, or null while there is none.</param>
/// <param name="Members">Every member, sorted by address.</param>
/// <param name="Incidents">The most recent incidents, newest first.</param>
public sealed record ClusterSnapshot(string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<IncidentView> Incidents)
{
    /// <summary>Members with status Up that every failure detector reaches (an unreachable Up member is not counted).</summary>
    public int MembersUp => Members.Count(m => m.State == "Up");

    /// <summary>Members that are currently unreachable (whatever their status).</summary>
    public int MembersUnreachable => Members.Count(m => !m.Reachable);

    /// <summary>Members per <see cref="MemberView.State"/>, in the order of <see cref="MemberStates.All"/>; states without members are left out.</summary>
    public IReadOnlyList<MemberStateCount> MemberStates =>
        [.. Members.GroupBy(m => m.State)
            .OrderBy(g => Hfy.Web.MemberStates.Order(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MemberStateCount(g.Key, g.Count()))];
}

/// <summary>One partition of a bank.</summary>
/// <param name="Index">Partition number within the bank (0..P−1).</param>
/// <param name="FirstRow">Global id of its first row (partitions hold contiguous rows).</param>
/// <param name="Rows">Rows held.</param>
/// <param name="Bytes">Memory of its row block.</param>
/// <param name="Node">Address of the node holding it, or null while it is being (re)built.</param>
/// <param name="State"><c>ready</c>, <c>building</c>, <c>failed</c>, …</param>
public sealed record PartitionView(int Index, long FirstRow, long Rows, long Bytes, string? Node, string State);

/// <summary>A bank and its partitions.</summary>
public sealed record BankView(string Name, long Rows, int Dimension, IReadOnlyList<PartitionView> Partitions)
{
    /// <summary>Memory of all its partitions.</summary>
    public long Bytes => Partitions.Sum(p => p.Bytes);
}

/// <summary>What one node holds, over all banks, and its memory as it last reported it.</summary>
public sealed record NodeLoadView(string Node, int Partitions, long Rows, long Bytes)
{
    /// <summary>Resident set at the node's last report, bytes (0: not reported).</summary>
    public long WorkingSet { get; init; }

    /// <summary>Peak resident set since the node started, bytes.</summary>
    public long PeakWorkingSet { get; init; }

    /// <summary>The node's memory budget for banks, bytes.</summary>
    public long Budget { get; init; }

    /// <summary>Storage kinds of its partitions (resident, half, bits, mapped, procedural).</summary>
    public IReadOnlyList<string> Storage { get; init; } = [];
}

/// <summary>Banks, and what each node holds.</summary>
/// <param name="Banks">Banks with their partitions, where the engine reports them.</param>
/// <param name="Nodes">Partitions, rows and bytes per node, over all banks.</param>
public sealed record BanksSnapshot(IReadOnlyList<BankView> Banks, IReadOnlyList<NodeLoadView> Nodes)
{
    /// <summary>No banks.</summary>
    public static BanksSnapshot Empty { get; } = new([], []);

    /// <summary>Partitions over all nodes.</summary>
    public int Partitions => Nodes.Sum(n => n.Partitions);

    /// <summary>Builds the per-node loads from the banks' partitions (partitions without a node are left out).</summary>
    public static BanksSnapshot FromBanks(IReadOnlyList<BankView> banks) => new(
        banks,
        banks.SelectMany(b => b.Partitions)
            .Where(p => p.Node is not null)
            .GroupBy(p => p.Node!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NodeLoadView(g.Key, g.Count(), g.Sum(p => p.Rows), g.Sum(p => p.Bytes)))
            .ToList());
}

/// <summary>One point of a capacity curve: the success rate at <paramref name="X"/> (bank size N, or the load α = ln P / N).</summary>
public sealed record CapacityPoint(double X, double Success);

/// <summary>A capacity curve (success rate against the chart's x) for one map label (e.g. <c>entmax α=1.5, β=1, identity</c>).</summary>
public sealed record CapacitySeries(string Label, IReadOnlyList<CapacityPoint> Points);

/// <summary>What the x axis of an experiment's capacity chart measures.</summary>
public static class CapacityAxis
{
    /// <summary>Patterns stored N, log scale (capacity experiments).</summary>
    public const string Patterns = "N";

    /// <summary>The load α = ln P / N, linear scale (exponential experiments).</summary>
    public const string Load = "alpha";
}

/// <summary>An experiment with its progress.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Name">Name given in the spec.</param>
/// <param name="Kind">capacity, metastable, basins, free-recall, sequential-recall, exponential.</param>
/// <param name="State"><c>queued</c>, <c>running</c>, <c>finished</c>, <c>failed</c>, <c>cancelled</c>.</param>
/// <param name="CellsTotal">Cells the spec expands into.</param>
/// <param name="CellsDone">Cells finished and recorded in the results store.</param>
/// <param name="Created">When it was accepted.</param>
/// <param name="EtaSeconds">Estimated seconds to finish at this experiment's recent pace; null when unknown (nothing done yet, finished, or stalled).</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Curves">Live capacity curves (success against <see cref="XAxis"/> per map) from the cells finished so far.</param>
/// <param name="CellsPerMinute">This experiment's recent pace (see <see cref="ExperimentPace"/>), null before its first cell.</param>
/// <param name="Stalled">True while it runs and no cell has finished for much longer than its pace predicts.</param>
/// <param name="LastCellAt">When its latest cell was stored.</param>
/// <param name="Theory">Curves the theory predicts for the same axes (empty when the experiment kind defines none).</param>
/// <param name="XAxis">What the curves' x is: <see cref="CapacityAxis.Patterns"/> or <see cref="CapacityAxis.Load"/>.</param>
public sealed record ExperimentView(
    string Id,
    string Name,
    string Kind,
    string State,
    int CellsTotal,
    int CellsDone,
    DateTimeOffset Created,
    double? EtaSeconds,
    string? Error,
    IReadOnlyList<CapacitySeries> Curves,
    double? CellsPerMinute = null,
    bool Stalled = false,
    DateTimeOffset? LastCellAt = null,
    IReadOnlyList<CapacitySeries>? Theory = null,
    string XAxis = CapacityAxis.Patterns)
{
    /// <summary>Fraction of cells done, 0..1.</summary>
    public double Progress => CellsTotal == 0 ? 0 : (double)CellsDone / CellsTotal;

    /// <summary>Theory curves (never null).</summary>
    public IReadOnlyList<CapacitySeries> Theory { get; init; } = Theory ?? [];
}

/// <summary>The answer to a submission: an id, or every problem found (and then nothing was created).</summary>
public sealed record SubmitOutcome(string? Id, IReadOnlyList<string> Problems)
{
    /// <summary>True when the experiment was accepted.</summary>
    public bool Accepted => Id is not null && Problems.Count == 0;

    /// <summary>An accepted submission.</summary>
    public static SubmitOutcome Created(string id) => new(id, []);

    /// <summary>A refused submission.</summary>
    public static SubmitOutcome Refused(IReadOnlyList<string> problems) => new(null, problems);
}

/// <summary>Engine request figures (latency percentiles and rates over recent requests), as <c>/metrics</c> and the dashboard report them.</summary>
/// <param name="RequestsTotal">Retrieval requests finished since start.</param>
/// <param name="QueriesTotal">Queries answered since start (a request carries a batch).</param>
/// <param name="RequestsPerSecond">Requests finished per second over the window.</param>
/// <param name="QueriesPerSecond">Queries answered per second over the window.</param>
/// <param name="LatencyP50Ms">Median request latency over the window, ms (0 when the window is empty).</param>
/// <param name="LatencyP99Ms">99th percentile request latency over the window, ms.</param>
/// <param name="RoundTripsPerStep">Mean round trips per map evaluation (each update step and the final evaluation) over the window.</param>
/// <param name="BytesMovedTotal">Bytes moved by all requests since start.</param>
public sealed record EngineFigures(
    long RequestsTotal,
    long QueriesTotal,
    double RequestsPerSecond,
    double QueriesPerSecond,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double RoundTripsPerStep,
    long BytesMovedTotal);

/// <summary>One sample of the engine figures the dashboard charts, kept for the last hour (<see cref="MetricsHistory"/>).</summary>
/// <param name="At">When it was taken.</param>
/// <param name="QueriesPerSecond">Queries answered per second.</param>
/// <param name="LatencyP50Ms">Median request latency, ms.</param>
/// <param name="LatencyP99Ms">99th percentile request latency, ms.</param>
/// <param name="RoundTripsPerStep">Round trips per map evaluation.</param>
public sealed record MetricsPoint(DateTimeOffset At, double QueriesPerSecond, double LatencyP50Ms, double LatencyP99Ms, double RoundTripsPerStep)
{
    /// <summary>The chart figures of <paramref name="figures"/> at <paramref name="at"/>.</summary>
    public static MetricsPoint Of(DateTimeOffset at, EngineFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return new(at, figures.QueriesPerSecond, figures.LatencyP50Ms, figures.LatencyP99Ms, figures.RoundTripsPerStep);
    }
}

/// <summary>Everything the dashboard shows, pushed as one server-sent event.</summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    ClusterSnapshot Cluster,
    BanksSnapshot Banks,
    IReadOnlyList<ExperimentView> Experiments,
    EngineFigures Metrics);

/// <summary>What the dashboard draws before its event stream opens: the last hour of engine figures and the current snapshot.</summary>
/// <param name="History">Engine figures, oldest first (<see cref="MetricsHistory"/>).</param>
/// <param name="Snapshot">Everything else, as of now.</param>
public sealed record DashboardBoot(IReadOnlyList<MetricsPoint> History, DashboardSnapshot Snapshot);

/// <summary>What a request to resume an experiment found.</summary>
/// <param name="Resumed">True when the experiment was failed or cancelled and is queued again.</param>
/// <param name="Status">Its status before the request, or null when there is no such experiment.</param>
public sealed record ResumeOutcome(bool Resumed, string? Status);
