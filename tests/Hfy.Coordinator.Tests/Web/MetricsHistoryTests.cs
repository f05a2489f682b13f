using System.Net;
using System.Text.Json;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class MetricsHistoryTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task History_KeepsTheSamplesOfTheWindow_OldestFirst()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(t0);
        var metrics = new FakeMetrics();
        await using var history = new MetricsHistory(metrics, TimeSpan.FromHours(1), TimeSpan.FromHours(3), time);
        for (var h = 1; h <= 4; h++)
        {
            time.Now = t0.AddHours(h);
            metrics.Value = metrics.Value with { QueriesPerSecond = h };
            history.Sample();
        }

        var points = history.Points();
        Assert.Equal([t0.AddHours(1), t0.AddHours(2), t0.AddHours(3), t0.AddHours(4)], points.Select(p => p.At));
        Assert.Equal([1.0, 2, 3, 4], points.Select(p => p.QueriesPerSecond));
        Assert.All(points, p => Assert.Equal(12.5, p.LatencyP50Ms));
    }

    [Fact]
    public async Task Server_ServesHistoryBootScriptAndFavicon()
    {
        await using var server = await WebServer.StartAsync(new WebOptions { HistoryInterval = TimeSpan.FromMilliseconds(50) },
            new FakeClusterView(), new FakeExperimentService(_ => []), new FakeMetrics());
        using var http = new HttpClient { BaseAddress = server.Address };
        await Task.Delay(300);
        using var history = JsonDocument.Parse(await http.GetStringAsync("api/history"));
        Assert.True(history.RootElement.GetArrayLength() >= 2);
        Assert.Equal(25, history.RootElement[0].GetProperty("queriesPerSecond").GetDouble());

        using var boot = await http.GetAsync("api/boot.js");
        Assert.Equal("text/javascript", boot.Content.Headers.ContentType?.MediaType);
        var script = await boot.Content.ReadAsStringAsync();
        Assert.StartsWith("window.hfyBoot = ", script, StringComparison.Ordinal);
        using var bootDoc = JsonDocument.Parse(script["window.hfyBoot = ".Length..].TrimEnd().TrimEnd(';'));
        Assert.Equal(3, bootDoc.RootElement.GetProperty("snapshot").GetProperty("cluster").GetProperty("members").GetArrayLength());
        Assert.True(bootDoc.RootElement.GetProperty("history").GetArrayLength() >= 2);

        using var icon = await http.GetAsync("favicon.ico");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/x-icon", icon.Content.Headers.ContentType?.MediaType);
    }
}
