using Hfy.Coordinator.Engine;

namespace Hfy.Coordinator.Experiments;

/// <summary>Chooses the engine <c>hfy run</c> and <c>hfy demo</c> use: an embedded cluster of N nodes, or the local kernels.</summary>
internal static class ExperimentEngines
{
    /// <summary>
    /// Starts an embedded cluster of <c>nodes</c> nodes and returns its engine (disposing it stops the cluster).
    /// HOOK: wired to EmbeddedCluster + ClusterEngine once the cluster helper's branch is merged; null until then.
    /// </summary>
    public static Func<int, CancellationToken, Task<IRetrievalEngine>>? Cluster { get; set; }

    /// <summary>The engine for a run, and a line saying which it is.</summary>
    public static async Task<(IRetrievalEngine Engine, string Description)> CreateAsync(int nodes, bool local, CancellationToken ct)
    {
        if (local) return (new LocalEngine(), "local engine (kernels in this process)");
        if (Cluster is null)
        {
            return (new LocalEngine(), "local engine (the embedded cluster engine is not part of this build)");
        }
        var engine = await Cluster(nodes, ct).ConfigureAwait(false);
        return (engine, $"embedded cluster of {nodes} nodes over 127.0.0.1");
    }
}
