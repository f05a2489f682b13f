using Hfy.Web;
using Microsoft.Playwright;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>The dashboard page in a real browser against a server whose figures change under it.</summary>
public sealed class DashboardPageTests
{
    [Fact]
    public async Task Page_ShowsMembersPartitionsAndProgress_AndFollowsUpdates_WithTheTokenFromTheLink()
    {
        var cluster = new FakeClusterView();
        var experiments = new FakeExperimentService(_ => []);
        await experiments.SubmitAsync("{\"name\":\"sweep\"}", null, default);
        await using var server = await WebServer.StartAsync(
            new WebOptions { Token = "page-test-token-0123456789", EventInterval = TimeSpan.FromMilliseconds(200) },
            cluster, experiments, new FakeMetrics());
        var (playwright, browser) = await BrowserHarness.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(server.DashboardUrl);
            await Assertions.Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("#partitions tbody tr")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#experiments tbody tr[data-id='e1'] td[data-progress]")).ToContainTextAsync("3 / 10 cells");

            // A fourth member joins: the pushed snapshot shows it without a reload.
            cluster.Cluster = cluster.Cluster with
            {
                Members = [.. cluster.Cluster.Members, new MemberView("akka.tcp://hfy@127.0.0.1:4056", ["bank"], "Joining", true, false, false)],
            };
            await Assertions.Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(4);
            await Assertions.Expect(page.Locator("#incidents li")).ToContainTextAsync(["unreachable"]);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
