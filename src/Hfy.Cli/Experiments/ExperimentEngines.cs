using Hfy.Coordinator.Engine;
using Hfy.Experiments.Engines;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Experiments;

/// <summary>Chooses the engine <c>hfy run</c> and <c>hfy demo</c> use: an embedded cluster of N bank nodes, or the local kernels.</summary>
internal static class ExperimentEngines
{
    /// <summary>The engine for a run, and a line saying which it is. Disposing the engine stops an embedded cluster.</summary>
    public static async Task<(IRetrievalEngine Engine, string Description)> CreateAsync(int nodes, bool local, CancellationToken ct)
    {
        if (local) return (new LocalEngine(), "local engine (kernels in this process)");
        var cluster = await EmbeddedCluster.StartAsync(nodes, cancellationToken: ct).ConfigureAwait(false);
        return (new ClusterOwner(cluster), $"embedded cluster: 1 coordinator + {nodes} bank nodes over 127.0.0.1");
    }

    /// <summary>The cluster's engine; disposing it stops the whole embedded cluster.</summary>
    internal sealed class ClusterOwner(EmbeddedCluster cluster) : IRetrievalEngine, Hfy.Experiments.Learning.ILearningCellEngine
    {
        /// <summary>The cluster.</summary>
        public EmbeddedCluster Cluster { get; } = cluster;

        public Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken) => Cluster.Engine.CreateBankAsync(spec, cancellationToken);

        public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => Cluster.Engine.DropBankAsync(bankName, cancellationToken);

        public Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
            => Cluster.Engine.RetrieveAsync(bankName, queries, batch, options, cancellationToken);

        public int LearningCellSlots => Cluster.Engine.LearningCellSlots;

        public Task<Hfy.Learning.Experiments.LearningCellMetrics> RunLearningCellAsync(Hfy.Learning.Experiments.LearningCellWork work, CancellationToken cancellationToken)
            => Cluster.Engine.RunLearningCellAsync(work, cancellationToken);

        public ValueTask DisposeAsync() => Cluster.DisposeAsync();
    }
}
