using System.Globalization;
using System.Text.Json;
using Hfy.Coordinator.Tests.Deploy;
using Hfy.Web;
using Microsoft.Playwright;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>
/// The dashboard of a real local cluster (a coordinator and two bank nodes as <c>hfy</c> processes) in Debian's
/// chromium, while experiments run and a bank process is killed.
/// </summary>
[Collection(WebClusterCollection.Name)]
public sealed class DashboardProcessClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    // Failure detection and downing shortened for the test (the defaults tolerate a loaded 2-core machine for longer).
    private const string FastDowning = """
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s
        akka.cluster.split-brain-resolver.stable-after = 3s
        """;

    // Exponential: softmax and sparsemax at N = 6, so the chart carries the α_c step and the P(one-hot) curve.
    private const string ExponentialSpec = """
        {
          "name": "exponential with theory", "kind": "exponential",
          "bank": { "source": "sphere", "seed": 11 },
          "queries": 8, "seed": 4, "tol": 1e-9,
          "exponential": {
            "alphas": [0.2, 0.4, 0.6, 0.8], "betaNets": [2], "dims": [6],
            "maps": [ { "name": "softmax" }, { "name": "sparsemax" } ],
            "starts": [1], "steps": 4, "banks": 1
          }
        }
        """;

    // 5 sizes × 5 maps × 2 β = 50 cells and 10 curves: still running when a bank process is killed.
    // Large enough to be still running when the page checks its ETA on an idle 2-core machine (with 16 queries and sizes up
    // to 128,000 it finished first on a clean clone); the test never waits for it to end.
    private const string SweepSpec = """
        {
          "name": "capacity sweep",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 2, "dim": 16 },
          "grid": {
            "sizes": [1000, 4000, 16000, 64000, 128000, 256000],
            "maps": [ { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 }, { "name": "entmax", "alpha": 3 },
                      { "name": "normmax", "gamma": 2 }, { "name": "softmax" } ],
            "betas": [2, 8],
            "posts": ["identity"],
            "noise": [0.05],
            "steps": 3,
            "repeats": 1
          },
          "success": { "criterion": "exact" },
          "queries": 64,
          "tol": 1e-9,
          "seed": 5
        }
        """;

    // Records, on every render of the members table, the killed node's row state and the per-state counts.
    private const string WatchMembers = """
        (address) => {
          window.__seen = [];
          const record = () => {
            const row = document.querySelector(`#members tr[data-address="${address}"]`);
            const counts = {};
            for (const c of document.querySelectorAll('#kpi-members [data-state]')) counts[c.dataset.state] = Number(c.dataset.count);
            const state = row ? row.dataset.state : 'gone';
            const last = window.__seen[window.__seen.length - 1];
            if (!last || last.state !== state || JSON.stringify(last.counts) !== JSON.stringify(counts)) window.__seen.push({ state, counts });
          };
          record();
          new MutationObserver(record).observe(document.querySelector('#members tbody'), { childList: true });
        }
        """;

    [Fact]
    public async Task Dashboard_OfAProcessCluster_ShowsPerExperimentPace_History_Theory_AndAKilledNodeUnreachableThenDownThenGone()
    {
        Assert.True(File.Exists(ProcessGroup.HfyDll), $"{ProcessGroup.HfyDll} missing: build the solution first");
        var clusterPort = ProcessGroup.FreePort();
        var httpPort = ProcessGroup.FreePort();
        var bankPorts = new[] { ProcessGroup.FreePort(), ProcessGroup.FreePort() };
        var data = Directory.CreateTempSubdirectory("hfy-dash-proc-");
        var hocon = Path.Combine(data.FullName, "fast-downing.conf");
        await File.WriteAllTextAsync(hocon, FastDowning);
        var env = new Dictionary<string, string> { ["HFY_SEEDS"] = $"127.0.0.1:{clusterPort}", ["HFY_CONFIG"] = hocon };
        using var group = new ProcessGroup();
        var url = $"http://127.0.0.1:{httpPort}/";
        IPlaywright? playwright = null;
        IBrowser? browser = null;
        try
        {
            group.Start("coordinator", ["coordinator", "--host", "127.0.0.1", "--port", $"{clusterPort}", "--http", $"127.0.0.1:{httpPort}", "--data", data.FullName], env);
            group.Start("bank-1", ["node", "--host", "127.0.0.1", "--port", $"{bankPorts[0]}"], env);
            group.Start("bank-2", ["node", "--host", "127.0.0.1", "--port", $"{bankPorts[1]}"], env);
            using var client = new CoordinatorClient(new Uri(url), null, TimeSpan.FromSeconds(30));
            await WaitUntil(async () => await Int(client, "api/cluster", "membersUp") == 3, "3 members Up", group);

            // 1. The favicon is served (it was a 404).
            using (var http = new HttpClient { BaseAddress = new Uri(url) })
            {
                using var icon = await http.GetAsync("favicon.ico");
                Assert.Equal(System.Net.HttpStatusCode.OK, icon.StatusCode);
                Assert.Equal("image/x-icon", icon.Content.Headers.ContentType?.MediaType);
                Assert.Equal(new byte[] { 0, 0, 1, 0 }, (await icon.Content.ReadAsByteArrayAsync())[..4]);
            }

            // 2. An exponential experiment: once it finished, its chart carries the theory curves the server computed.
            var expId = await client.SubmitAsync(ExponentialSpec, default);
            await WaitForState(client, expId, "finished", group);
            using var exp = await client.GetAsync($"api/experiments/{expId}", default);
            Assert.Equal("alpha", exp.RootElement.GetProperty("xAxis").GetString());
            var theory = exp.RootElement.GetProperty("theory").EnumerateArray().ToList();
            Assert.Equal(2, theory.Count);
            Assert.Contains(theory, t => t.GetProperty("label").GetString()!.StartsWith("theory α_c=", StringComparison.Ordinal));
            Assert.Contains(theory, t => t.GetProperty("label").GetString()!.StartsWith("theory P(one-hot): sparsemax", StringComparison.Ordinal));

            // 3. The sweep runs while the page is opened: the engine history from before the page opened is drawn.
            var sweepId = await client.SubmitAsync(SweepSpec, default);
            await WaitUntil(async () => await CellsDone(client, sweepId) >= 2, "two cells of the sweep", group);
            await Task.Delay(TimeSpan.FromSeconds(6)); // one more history sample (every 5 s) with the sweep's queries in it
            (playwright, browser) = await BrowserHarness.LaunchAsync();
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
            page.SetDefaultTimeout(90_000);
            Assertions.SetDefaultExpectTimeout(90_000);
            var failed = new List<string>();
            page.Response += (_, r) => { if (r.Status >= 400) failed.Add($"{r.Status} {r.Url}"); };
            await page.AddInitScriptAsync("""
                window.addEventListener('load', () => {
                  window.__atLoad = {
                    conn: document.getElementById('conn').textContent,
                    members: document.querySelectorAll('#members tbody tr[data-address]').length,
                    experiments: document.querySelectorAll('#experiments tbody tr[data-id]').length,
                    history: Chart.getChart('chart-throughput').data.datasets[0].data.length,
                  };
                });
                """);
            var opened = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });

            // The page reached load (the event stream no longer holds it) with data drawn, not "connecting…".
            using (var atLoad = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__atLoad)")))
            {
                var l = atLoad.RootElement;
                Assert.StartsWith("loaded", l.GetProperty("conn").GetString(), StringComparison.Ordinal);
                Assert.Equal(3, l.GetProperty("members").GetInt32());
                Assert.Equal(2, l.GetProperty("experiments").GetInt32());
                Assert.True(l.GetProperty("history").GetInt32() >= 3, "the last hour of engine figures is drawn at load");
            }

            // History: samples from before the page was opened, some with queries in them.
            var before = await page.EvaluateAsync<double[]>(
                "(t) => Chart.getChart('chart-throughput').data.datasets[0].data.filter(p => p.x < t).map(p => p.y)", opened);
            // Samples come every 5 s; a loaded machine may have taken only two before the page opened.
            Assert.True(before.Length >= 2, $"{before.Length} points before the page opened");
            Assert.Contains(before, q => q > 0);
            await Assertions.Expect(page.Locator("#conn")).ToContainTextAsync("live");

            // Per-experiment pace: the running sweep has its own rate and ETA, the finished one neither.
            var sweepRow = page.Locator($"#experiments tr[data-id='{sweepId}']");
            await Assertions.Expect(sweepRow.Locator("td.eta")).ToHaveAttributeAsync("data-eta", new System.Text.RegularExpressions.Regex("^[0-9]+$"));
            var sweepRate = double.Parse(await sweepRow.Locator("td.rate").GetAttributeAsync("data-rate") ?? "", CultureInfo.InvariantCulture);
            Assert.True(sweepRate > 0);
            await Assertions.Expect(page.Locator($"#experiments tr[data-id='{expId}'] td.eta")).ToHaveTextAsync("–");
            await Assertions.Expect(page.Locator("#kpi-experiments [data-state]")).ToHaveTextAsync(["1 running", "1 finished"]);

            // Nothing in the experiments table is clipped: every ETA and rate fits its cell, the table fits its card.
            await AssertNotClipped(page);
            await page.SetViewportSizeAsync(1000, 1100);
            await AssertNotClipped(page);
            await page.SetViewportSizeAsync(1400, 1100);

            // The capacity chart: 10 curves, a legend item for each, and the plot keeps most of the chart's height.
            await page.WaitForFunctionAsync("() => Chart.getChart('chart-capacity').data.datasets.length === 10");
            await Assertions.Expect(page.Locator("#capacity-legend li[data-label]")).ToHaveCountAsync(10);
            var area = await page.EvaluateAsync<double[]>("() => { const c = Chart.getChart('chart-capacity'); return [c.chartArea.height, c.height, c.chartArea.width, c.width]; }");
            Assert.True(area[0] >= 0.8 * area[1], $"plot area {area[0]} of {area[1]} px high");
            Assert.True(area[2] >= 0.85 * area[3], $"plot area {area[2]} of {area[3]} px wide");
            var clippedLegend = await page.EvaluateAsync<int>(
                "() => [...document.querySelectorAll('#capacity-legend li .text')].filter(t => t.scrollWidth > t.clientWidth + 1).length");
            Assert.Equal(0, clippedLegend);

            // The exponential experiment's chart: a linear α axis, and the theory curves drawn dashed as the API gave them.
            await page.Locator($"#experiments tr[data-id='{expId}']").ClickAsync();
            await page.WaitForFunctionAsync("() => Chart.getChart('chart-capacity').data.datasets.some(d => d.theory)");
            var drawn = await page.EvaluateAsync<string>(
                "() => JSON.stringify(Chart.getChart('chart-capacity').data.datasets.filter(d => d.theory).map(d => ({ label: d.label, dashed: d.borderDash.length > 0, points: d.data })))");
            using (var drawnDoc = JsonDocument.Parse(drawn))
            {
                var lines = drawnDoc.RootElement.EnumerateArray().ToList();
                Assert.Equal(theory.Count, lines.Count);
                foreach (var t in theory)
                {
                    var line = Assert.Single(lines, l => l.GetProperty("label").GetString() == t.GetProperty("label").GetString());
                    Assert.True(line.GetProperty("dashed").GetBoolean());
                    var want = t.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("x").GetDouble(), p.GetProperty("success").GetDouble())).ToList();
                    var got = line.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("x").GetDouble(), p.GetProperty("y").GetDouble())).ToList();
                    Assert.Equal(want, got);
                }
            }

            Assert.Equal("linear", await page.EvaluateAsync<string>("() => Chart.getChart('chart-capacity').options.scales.x.type"));
            await page.Locator($"#experiments tr[data-id='{sweepId}']").ClickAsync();
            await page.WaitForFunctionAsync("() => Chart.getChart('chart-capacity').options.scales.x.type === 'logarithmic'");

            // 4. Kill a bank process (SIGKILL, no leave): its row goes Unreachable, then Down, then disappears, and the
            // counts per state follow (never "3 Up" while one is unreachable).
            var victim = $"akka.tcp://hfy@127.0.0.1:{bankPorts[1]}";
            await Assertions.Expect(page.Locator($"#members tr[data-address='{victim}']")).ToHaveAttributeAsync("data-state", "Up");
            await Assertions.Expect(page.Locator("#kpi-members [data-state]")).ToHaveTextAsync(["3 Up"]);
            await page.EvaluateAsync(WatchMembers, victim);
            await group.KillAsync("bank-2", TimeSpan.FromSeconds(30));
            await Assertions.Expect(page.Locator($"#members tr[data-address='{victim}']")).ToHaveCountAsync(0);
            using (var seenDoc = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__seen)")))
            {
                var seen = seenDoc.RootElement.EnumerateArray()
                    .Select(s => (State: s.GetProperty("state").GetString()!, Counts: s.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32())))
                    .ToList();
                var states = seen.Select(s => s.State).Distinct().ToList();
                Assert.Equal(["Up", "Unreachable", "Down", "gone"], states);
                Assert.All(seen.Where(s => s.State == "Unreachable"), s => Assert.Equal(new Dictionary<string, int> { ["Up"] = 2, ["Unreachable"] = 1 }, s.Counts));
                Assert.All(seen.Where(s => s.State == "Down"), s => Assert.Equal(new Dictionary<string, int> { ["Up"] = 2, ["Down"] = 1 }, s.Counts));
                Assert.Equal(new Dictionary<string, int> { ["Up"] = 2 }, seen[^1].Counts);
            }

            await Assertions.Expect(page.Locator("#incidents .kind")).ToContainTextAsync(["removed-after-down", "downed", "unreachable"]);
            Assert.Empty(failed);

            // A headless browser that waits only for load (no script of ours) sees data too.
            var dom = await ProcessRun(BrowserHarness.ChromiumPath, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url]);
            Assert.Contains("data-state=\"Up\"", dom, StringComparison.Ordinal);
            Assert.DoesNotContain("loading…", dom, StringComparison.Ordinal);

            if (BrowserHarness.RepositoryRoot() is { } root)
            {
                // The README's picture is refreshed only on request (HFY_UPDATE_SCREENSHOT=1); otherwise it goes to the temp folder.
                var shotDir = Environment.GetEnvironmentVariable("HFY_UPDATE_SCREENSHOT") == "1"
                    ? Path.Combine(root, "docs")
                    : Path.Combine(Path.GetTempPath(), "hfy-dashboard-test");
                Directory.CreateDirectory(shotDir);
                var shot = Path.Combine(shotDir, "dashboard.png");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
                Assert.True(new FileInfo(shot).Length > 10_000, "the dashboard screenshot is a real picture");
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.GetType().Name}: {e.Message}\n{group.AllOutput()}", e);
        }
        finally
        {
            if (browser is not null) await browser.DisposeAsync();
            playwright?.Dispose();
            group.Dispose();
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
                // SQLite may hold the file a moment longer; the temp folder is the OS's to clean.
            }
        }
    }

    private static async Task AssertNotClipped(IPage page)
    {
        var clipped = await page.EvaluateAsync<string[]>("""
            () => {
              const card = document.querySelector('#experiments').closest('.card').getBoundingClientRect();
              const bad = [];
              for (const td of document.querySelectorAll('#experiments td.eta, #experiments td.rate')) {
                const r = td.getBoundingClientRect();
                if (td.scrollWidth > td.clientWidth + 1 || r.right > card.right + 0.5) bad.push(`${td.className}: ${td.textContent}`);
              }
              const table = document.querySelector('#experiments');
              if (table.getBoundingClientRect().right > card.right + 0.5) bad.push('table wider than its card');
              return bad;
            }
            """);
        Assert.Empty(clipped);
    }

    private static async Task<string> ProcessRun(string file, IEnumerable<string> args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return await stdout;
    }

    private static Task<int> CellsDone(CoordinatorClient client, string id) => Int(client, $"api/experiments/{id}", "cellsDone");

    private static Task<int> Int(CoordinatorClient client, string path, string field) => ProcessGroup.Int(client, path, field);

    private static Task WaitForState(CoordinatorClient client, string id, string state, ProcessGroup group) => group.WaitForState(client, id, state, Patience);

    private static Task WaitUntil(Func<Task<bool>> condition, string what, ProcessGroup group) => group.WaitUntil(condition, what, Patience);
}
