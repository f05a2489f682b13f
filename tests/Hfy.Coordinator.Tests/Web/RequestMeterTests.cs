using System.Diagnostics;
using Hfy.Coordinator.Engine;
using Hfy.Coordinator.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class RequestMeterTests
{
    private static long Seconds(double s) => (long)(s * Stopwatch.Frequency);

    [Fact]
    public void Percentiles_AreNearestRank_OverTheWindow()
    {
        var now = Seconds(1000);
        var meter = new RequestMeter(TimeSpan.FromSeconds(10), () => now);
        now += Seconds(10);
        for (var i = 1; i <= 100; i++)
        {
            // Latencies 1..100 ms, 2 steps each, 3 round trips each, batches of 4.
            meter.Record(new RequestStats(2, 3, 1000, TimeSpan.FromMilliseconds(i)), 4);
        }

        var s = meter.Snapshot();
        Assert.Equal(100, s.RequestsTotal);
        Assert.Equal(400, s.QueriesTotal);
        Assert.Equal(50, s.LatencyP50Ms, 9);
        Assert.Equal(99, s.LatencyP99Ms, 9);
        Assert.Equal(1.5, s.RoundTripsPerStep, 12);
        Assert.Equal(10, s.RequestsPerSecond, 9);
        Assert.Equal(40, s.QueriesPerSecond, 9);
        Assert.Equal(100_000, s.BytesMovedTotal);
        Assert.Equal(5.050, s.LatencySecondsSum, 9);
    }

    [Fact]
    public void OldRequests_LeaveTheWindow_ButStayInTheTotals()
    {
        var now = Seconds(0);
        var meter = new RequestMeter(TimeSpan.FromSeconds(10), () => now);
        now += Seconds(20);
        meter.Record(new RequestStats(1, 1, 10, TimeSpan.FromMilliseconds(500)), 1);
        now += Seconds(5);
        meter.Record(new RequestStats(1, 4, 10, TimeSpan.FromMilliseconds(7)), 1);
        var s = meter.Snapshot();
        Assert.Equal(500, s.LatencyP99Ms, 9);
        now += Seconds(6);
        s = meter.Snapshot();
        Assert.Equal(2, s.RequestsTotal);
        Assert.Equal(7, s.LatencyP50Ms, 9);
        Assert.Equal(7, s.LatencyP99Ms, 9);
        Assert.Equal(4, s.RoundTripsPerStep, 12);
        now += Seconds(60);
        s = meter.Snapshot();
        Assert.Equal(0, s.RequestsPerSecond);
        Assert.Equal(0, s.LatencyP50Ms);
        Assert.Equal(2, s.RequestsTotal);
    }

    [Theory]
    [InlineData(new double[] { 3 }, 0.5, 3)]
    [InlineData(new double[] { 1, 2 }, 0.5, 1)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.99, 4)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.75, 3)]
    public void Percentile_OfSortedValues(double[] sorted, double q, double expected) =>
        Assert.Equal(expected, RequestMeter.Percentile(sorted, q));
}
