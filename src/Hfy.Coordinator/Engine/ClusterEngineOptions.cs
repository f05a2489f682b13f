using Hfy.Kernels.Storage;
using Hfy.Actors.Retrieval;

namespace Hfy.Coordinator.Engine;

/// <summary>Settings of a <see cref="ClusterEngine"/>.</summary>
public sealed record ClusterEngineOptions
{
    /// <summary>Bytes one bank node may hold for a bank (default: <see cref="MemoryAdmission.NodeBudget"/> of this process; set it to the bank nodes' budget when they differ).</summary>
    public long NodeMemoryBudgetBytes { get; init; } = MemoryAdmission.NodeBudget();

    /// <summary>Partitions per bank P (fixed per bank); null: <see cref="PartitionsPerBankNode"/> × the bank nodes up at creation.</summary>
    public int? PartitionsPerBank { get; init; }

    /// <summary>Partitions per bank node when <see cref="PartitionsPerBank"/> is not set (~10, so a lost node's share spreads out).</summary>
    public int PartitionsPerBankNode { get; init; } = 10;

    /// <summary>Time allowed for every partition of a bank to load its rows.</summary>
    public TimeSpan LoadTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A partition that has not confirmed its load after this long is asked again (loading is idempotent): sharding
    /// delivers at most once, and a message to a shard that is being allocated or handed off can be lost.
    /// </summary>
    public TimeSpan LoadAttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Protocol limits, timeouts and retries of retrieval requests.</summary>
    public RetrievalSettings Retrieval { get; init; } = new();

    /// <summary>How learning cells are sent to the bank nodes (per-node load, attempts, timeouts).</summary>
    public LearningDispatchSettings Learning { get; init; } = new();
}
