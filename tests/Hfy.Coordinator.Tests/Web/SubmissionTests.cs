using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Results;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>
/// Submissions through the real HTTP server and <see cref="ManagerExperimentService"/> with a manager that never
/// answers (a test probe): validation and storage happen before the manager sees anything, the answer is 202 with
/// the id, and an Idempotency-Key makes retries (even concurrent ones) create one experiment.
/// </summary>
public sealed class SubmissionTests : TestKit, IDisposable
{
    private const string Spec = """
        {
          "name": "submitted",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 1, "dim": 8 },
          "grid": { "sizes": [10, 20], "maps": [ { "name": "sparsemax" } ], "betas": [1], "posts": ["identity"], "noise": [0.1], "steps": 1, "repeats": 1 },
          "queries": 2
        }
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfy-submit-");

    void IDisposable.Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans its temp folder.
        }

        Dispose();
    }

    private async Task<(WebServer Server, ResultsStore Store, Akka.TestKit.TestProbe Manager)> Start()
    {
        var store = ResultsStore.Open(_dir.FullName);
        var manager = CreateTestProbe();
        var service = new ManagerExperimentService(Sys, manager.Ref, store);
        var server = await WebServer.StartAsync(new WebOptions(), new FakeClusterView(), service, new FakeMetrics());
        return (server, store, manager);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ConcurrentRetries_WithOneIdempotencyKey_CreateOneExperiment_AndAnswer202()
    {
        var (server, store, manager) = await Start();
        await using var _ = server;
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };

        async Task<(HttpStatusCode Status, string? Id)> Post(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/experiments") { Content = Json(Spec) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, doc.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null);
        }

        var same = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Post("retry-key-1")));
        var distinct = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Post($"other-key-{i}")));

        Assert.All(same.Concat(distinct), r => Assert.Equal(HttpStatusCode.Accepted, r.Status));
        Assert.Single(same.Select(r => r.Id).Distinct());
        Assert.Equal(4, distinct.Select(r => r.Id).Distinct().Count());
        Assert.DoesNotContain(same[0].Id, distinct.Select(r => r.Id));
        Assert.Equal(5, store.ListExperiments().Count);
        Assert.Equal(same[0].Id, store.FindByRequestId("retry-key-1"));
        Assert.All(store.ListExperiments(), e => Assert.Equal(ExperimentStatus.Queued, e.Status));

        // The manager was told about each stored experiment; it answered nothing, and nobody waited for it.
        // (A retry that raced the first insert tells it again; the manager ignores an id it already holds.)
        var told = new HashSet<string>();
        while (told.Count < 5)
        {
            told.Add(manager.ExpectMsg<EnqueueExperiment>(TimeSpan.FromSeconds(10)).ExperimentId);
        }

        Assert.Equal(store.ListExperiments().Select(e => e.Id).ToHashSet(), told);
    }

    [Fact]
    public async Task RefusedSpec_Is400ProblemDetails_WithFieldPaths_AndTheManagerHearsNothing()
    {
        var (server, store, manager) = await Start();
        await using var _ = server;
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var bad = Spec.Replace("\"sizes\": [10, 20]", "\"sizes\": [10, 10, -1]", StringComparison.Ordinal)
            .Replace("\"betas\": [1]", "\"betas\": [\"x\"]", StringComparison.Ordinal);
        using (var r = await http.PostAsync("api/experiments", Json(bad)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            var errors = doc.RootElement.GetProperty("errors");
            var line = string.Join("\n", errors.EnumerateObject().Select(p => $"{p.Name}: {p.Value[0].GetString()}"));
            Assert.StartsWith("grid.betas[0]: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
        }

        var dup = Spec.Replace("\"sizes\": [10, 20]", "\"sizes\": [10, 10, -1]", StringComparison.Ordinal);
        using (var r = await http.PostAsync("api/experiments", Json(dup)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            var errors = doc.RootElement.GetProperty("errors");
            Assert.Equal("duplicates an earlier size (10)", errors.GetProperty("grid.sizes[1]")[0].GetString());
            Assert.Equal("must be ≥ 1 (got -1)", errors.GetProperty("grid.sizes[2]")[0].GetString());
        }

        Assert.Empty(store.ListExperiments());
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void LongGrids_ReportEveryDuplicate_AtItsIndex()
    {
        // 300,000 σ values with duplicates at known places: every one is named, and only those.
        const int n = 300_000;
        var noise = Enumerable.Range(0, n).Select(i => i * 1e-6).ToArray();
        noise[1000] = noise[10];
        noise[n - 1] = noise[0];
        var parsed = ExperimentSpec.Parse(Spec);
        var spec = parsed with { Grid = parsed.Grid! with { Noise = noise } };
        var errors = SpecValidator.Validate(spec, SpecLimits.Default with { MaxCells = int.MaxValue });
        Assert.Equal(["grid.noise[1000]", $"grid.noise[{n - 1}]"], errors.Select(e => e.Path));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"duplicates an earlier σ ({noise[10]:G})"), errors[0].Message);
    }

    [Fact]
    public async Task CliClient_SendsOneKeyPerSubmission_AndReports413AsTooLarge()
    {
        var store = ResultsStore.Open(_dir.FullName);
        var service = new ManagerExperimentService(Sys, CreateTestProbe().Ref, store);
        await using var server = await WebServer.StartAsync(new WebOptions { MaxSpecBytes = 2048 }, new FakeClusterView(), service, new FakeMetrics());
        using var client = new CoordinatorClient(server.Address, null);
        var id = await client.SubmitAsync(Spec, default, requestId: "cli-key");
        Assert.Equal(id, await client.SubmitAsync(Spec, default, requestId: "cli-key"));
        Assert.Single(store.ListExperiments());

        var big = Spec.Replace("\"submitted\"", "\"" + new string('n', 4000) + "\"", StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<CoordinatorClientException>(() => client.SubmitAsync(big, default));
        Assert.Equal("spec too large (limit 2048 bytes)", e.Message);
        Assert.Equal(2, e.ExitCode);
    }
}
