using Hfy.Coordinator.Engine;
using Hfy.Coordinator.Experiments;
using Hfy.Coordinator.Results;

namespace Hfy.Coordinator.Web;

/// <summary>The dashboard of <c>hfy demo</c>: its embedded cluster's members and metrics, and the sweep's progress from the store.</summary>
internal static class DemoDashboard
{
    /// <summary>
    /// Starts the dashboard on 127.0.0.1 (port from HFY_HTTP's port when set, else 5080, else a free one) for the demo's engine
    /// and store; returns the server to dispose and its URL.
    /// </summary>
    public static async Task<(IAsyncDisposable Server, string Url)> StartAsync(IRetrievalEngine engine, ResultsStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(store);
        var cluster = (engine as ExperimentEngines.ClusterOwner)?.Cluster;
        Dashboard dashboard;
        try
        {
            dashboard = await Dashboard.StartAsync(cluster?.Coordinator, cluster?.Engine.Metrics, null, store,
                new WebOptions { Port = Hosting.HostSettings.DefaultHttpPort }, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // 5080 taken (another coordinator or demo): any free port will do for a demo.
            dashboard = await Dashboard.StartAsync(cluster?.Coordinator, cluster?.Engine.Metrics, null, store,
                new WebOptions(), cancellationToken).ConfigureAwait(false);
        }

        return (dashboard, dashboard.Server.DashboardUrl);
    }
}
