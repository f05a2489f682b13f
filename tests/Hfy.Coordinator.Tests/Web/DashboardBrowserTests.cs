using Hfy.Coordinator.Engine;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Results;
using Hfy.Web;
using Microsoft.Playwright;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>The dashboard of a running embedded cluster (real remoting, sharding, manager and store) in Debian's chromium.</summary>
[Collection(WebClusterCollection.Name)]
public sealed class DashboardBrowserTests
{
    // 6 sizes × 4 maps × 3 repeats = 72 cells: still running when a bank node stops right after the first cell.
    private const string Spec = """
        {
          "name": "dashboard sweep",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 2, "dim": 16 },
          "grid": {
            "sizes": [300, 1000, 3000, 10000, 30000, 100000],
            "maps": [ { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 }, { "name": "normmax", "gamma": 2 }, { "name": "softmax" } ],
            "betas": [8],
            "posts": ["identity"],
            "noise": [0.05],
            "steps": 3,
            "repeats": 3
          },
          "success": { "criterion": "exact" },
          "queries": 16,
          "tol": 1e-9,
          "seed": 5
        }
        """;

    [Fact]
    public async Task Dashboard_OfARunningEmbeddedCluster_ShowsMembersPartitionsLiveProgress_AndAStall()
    {
        var data = Directory.CreateTempSubdirectory("hfy-dash-");
        await using var cluster = await EmbeddedCluster.StartAsync(2);
        var store = ResultsStore.Open(data.FullName);
        var manager = cluster.Coordinator.ActorOf(ExperimentManager.Props(cluster.Engine, store, SpecLimits.Default), "experiments");
        await using var dashboard = await Dashboard.StartAsync(cluster.Coordinator, cluster.Engine, manager, store,
            new WebOptions { EventInterval = TimeSpan.FromMilliseconds(300), Pace = new PaceOptions(StallFactor: 2, StallAfter: TimeSpan.FromSeconds(1)) });
        using var client = new CoordinatorClient(dashboard.Server.Address, dashboard.Server.Token);
        string? id = null;

        var (playwright, browser) = await BrowserHarness.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
            page.SetDefaultTimeout(90_000);
            Assertions.SetDefaultExpectTimeout(60_000);
            await page.GotoAsync(dashboard.Server.DashboardUrl);

            // Members: the coordinator and both bank nodes, Up, one leader.
            var members = page.Locator("#members tbody tr");
            await Assertions.Expect(members).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("#members tbody td.status-Up")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("#members .tag", new() { HasTextString = "leader" })).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#experiments tbody td.empty")).ToHaveCountAsync(1);

            // Submitted while the page is open: it appears without a reload.
            id = await client.SubmitAsync(Spec, default);
            await Assertions.Expect(page.Locator($"#experiments tr[data-id='{id}']")).ToHaveCountAsync(1);

            // Partitions: both bank nodes hold some once the experiment created its first bank.
            await Assertions.Expect(page.Locator("#partitions tbody tr[data-node]")).ToHaveCountAsync(2);

            // A stall: right after the first cell a bank node stops without leaving, so no cell finishes until it is
            // downed and its partitions are rebuilt on the other. With a stall rule of 2 intervals (and a 1 s floor)
            // the ETA says "stalled", then a time again once cells finish.
            var progress = page.Locator($"#experiments tr[data-id='{id}'] td[data-progress]");
            await Assertions.Expect(progress).Not.ToHaveAttributeAsync("data-progress", "0");
            await cluster.StopNodeAsync(1, abrupt: true);
            var first = int.Parse(await progress.GetAttributeAsync("data-progress") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var eta = page.Locator($"#experiments tr[data-id='{id}'] td.eta");
            await Assertions.Expect(eta).ToHaveAttributeAsync("data-eta", "stalled");
            await Assertions.Expect(eta).ToHaveTextAsync("stalled");
            await Assertions.Expect(eta).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("^no cell finished for [0-9]+"));
            await page.WaitForFunctionAsync(
                "(id) => { const r = document.querySelector(`#experiments tr[data-id='${id}']`); return r.dataset.state === 'finished' || /^[0-9]+$/.test(r.querySelector('td.eta').dataset.eta || ''); }",
                id, new() { Timeout = 120_000 });

            // Progress moves again while we watch, pushed over SSE (no reload).
            await page.WaitForFunctionAsync(
                "([id, n]) => Number(document.querySelector(`#experiments tr[data-id='${id}'] td[data-progress]`)?.dataset.progress) > n",
                new object[] { id, first });
            await Assertions.Expect(progress).ToContainTextAsync("/ 72 cells");

            // Live capacity curves drawn by Chart.js from the stored cells; the stopped node is gone from the counts.
            await page.WaitForFunctionAsync("() => Chart.getChart('chart-capacity')?.data.datasets.some(d => d.data.length > 0)");
            await Assertions.Expect(page.Locator("#kpi-members [data-state]")).ToHaveTextAsync(["2 Up"]);
        }
        catch (PlaywrightException e)
        {
            using var snapshot = await client.GetAsync("api/snapshot", default);
            throw new InvalidOperationException($"{e.Message}\nserver snapshot: {snapshot.RootElement}", e);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
            if (id is not null)
            {
                manager.Tell(new CancelExperiment(id), Akka.Actor.ActorRefs.NoSender);
            }
        }
    }
}

/// <summary>Tests that start clusters and processes run one at a time, and not beside other collections (two cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebClusterCollection
{
    public const string Name = "web clusters";
}
