using Hfy.Coordinator.Engine;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class EngineFiguresSourceTests
{
    [Fact]
    public void Figures_ComeFromTheEngineMetrics_AndTroubleBecomesIncidents()
    {
        var metrics = new EngineMetrics();
        var incidents = new IncidentLog();
        var source = new EngineFiguresSource(metrics, incidents);
        Assert.Equal(0, source.Snapshot().RequestsTotal);

        metrics.RecordRequest(queries: 8, steps: 4, roundTrips: 6, bytes: 1000, TimeSpan.FromMilliseconds(20), [1.0, 2.0], retries: 0, stepRestarts: 0);
        metrics.RecordRequest(queries: 8, steps: 4, roundTrips: 4, bytes: 500, TimeSpan.FromMilliseconds(40), [1.0], retries: 2, stepRestarts: 1);
        metrics.RecordFailure();
        var f = source.Snapshot();
        Assert.Equal(2, f.RequestsTotal);
        Assert.Equal(16, f.QueriesTotal);
        Assert.Equal(1500, f.BytesMovedTotal);
        Assert.Equal(10.0 / 8, f.RoundTripsPerStep, 12);
        Assert.Equal(20, f.LatencyP50Ms, 9);
        Assert.Equal(40, f.LatencyP99Ms, 9);
        Assert.True(f.RequestsPerSecond > 0);

        var kinds = incidents.Recent().Select(i => i.Kind).ToList();
        Assert.Equal(["partition-retry", "partition-moved", "request-failed"], kinds);
        Assert.Equal("1 retrieval request(s) failed (deadline or retries exhausted)", incidents.Recent()[^1].Detail);

        // Seen once: no new incident until the counters move again.
        source.Snapshot();
        Assert.Equal(3, incidents.Recent().Count);
    }

    [Fact]
    public void IncidentLog_KeepsTheNewestFirst_UpToItsCapacity()
    {
        var log = new IncidentLog(capacity: 2);
        log.Add("a", "s", "1");
        log.Add("b", "s", "2");
        log.Add("c", "s", "3");
        Assert.Equal(["c", "b"], log.Recent().Select(i => i.Kind));
    }
}
