using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class WebServerTests
{
    private const string Token = "0123456789abcdef-test-token";

    private static readonly Func<string, IReadOnlyList<string>> RequireName = json =>
    {
        using var doc = JsonDocument.Parse(json);
        var problems = new List<string>();
        if (!doc.RootElement.TryGetProperty("name", out _))
        {
            problems.Add("name: required");
        }

        if (doc.RootElement.TryGetProperty("alpha", out var a) && a.GetDouble() < 1)
        {
            problems.Add($"alpha: must be ≥ 1 (got {a.GetDouble()})");
        }

        return problems;
    };

    private static Task<WebServer> Start(WebOptions options, FakeExperimentService? experiments = null) =>
        WebServer.StartAsync(options, new FakeClusterView(), experiments ?? new FakeExperimentService(RequireName), new FakeMetrics());

    private static HttpClient Client(WebServer server, string? token = null)
    {
        var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(20) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("localhost", false)]
    [InlineData("::1", false)]
    [InlineData("[::1]", false)]
    [InlineData("127.0.0.2", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("hfy.example.org", true)]
    public void TokenRule_IsRequiredUnlessBoundToExactLoopback(string host, bool required)
    {
        Assert.Equal(required, new WebOptions { Host = host }.RequiresToken);
        Assert.True(new WebOptions { Host = host, Token = Token }.RequiresToken);
    }

    [Fact]
    public async Task NonLoopbackBind_RefusesEveryApiCallWithoutTheToken()
    {
        await using var server = await Start(new WebOptions { Host = "127.0.0.2" });
        Assert.NotNull(server.Token);
        Assert.True(server.TokenGenerated);
        Assert.Contains("#token=", server.DashboardUrl, StringComparison.Ordinal);

        using var anonymous = Client(server);
        foreach (var path in new[] { "api/cluster", "api/banks", "api/experiments", "api/experiments/e1", "api/experiments/e1/results", "api/events", "api/snapshot", "api/history", "api/boot.js", "metrics" })
        {
            using var r = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("Bearer", r.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using var wrong = Client(server, "not-the-token-at-all-xxxxxxxx");
        using (var r = await wrong.GetAsync("api/cluster"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        // A refused POST creates nothing, even with a valid spec.
        using (var r = await anonymous.PostAsync("api/experiments", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using var authorized = Client(server, server.Token);
        using (var r = await authorized.GetAsync("api/experiments"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("[]", await r.Content.ReadAsStringAsync());
        }

        using (var r = await authorized.GetAsync("api/cluster"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        // The page itself is public (it holds no data); its API calls carry the token.
        using (var r = await anonymous.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
    }

    [Fact]
    public async Task ConfiguredToken_IsRequiredEvenOnLoopback_AndEventStreamAcceptsItAsQuery()
    {
        await using var server = await Start(new WebOptions { Token = Token });
        Assert.False(server.TokenGenerated);
        using var anonymous = Client(server);
        using (var r = await anonymous.GetAsync("api/cluster"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        // access_token is accepted only by the event stream and the page's boot script (EventSource and a script
        // element cannot set headers).
        using (var r = await anonymous.GetAsync($"api/cluster?access_token={Token}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using (var r = await anonymous.GetAsync($"api/boot.js?access_token={Token}"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        using var r2 = await anonymous.GetAsync($"api/events?access_token={Token}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
    }

    [Fact]
    public async Task LoopbackBind_WithoutConfiguredToken_ServesTheApiOpenly()
    {
        await using var server = await Start(new WebOptions());
        Assert.Null(server.Token);
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var http = Client(server);
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/cluster"));
        var members = doc.RootElement.GetProperty("members");
        Assert.Equal(3, members.GetArrayLength());
        // The unreachable member still has Akka status Up, but counts as Unreachable, not Up.
        Assert.Equal(2, doc.RootElement.GetProperty("membersUp").GetInt32());
        Assert.Equal("Unreachable", members[2].GetProperty("state").GetString());
        Assert.Equal("Up", members[2].GetProperty("status").GetString());
        var states = doc.RootElement.GetProperty("memberStates").EnumerateArray()
            .Select(s => (s.GetProperty("state").GetString(), s.GetProperty("count").GetInt32())).ToList();
        Assert.Equal([("Up", 2), ("Unreachable", 1)], states);
        Assert.True(members[0].GetProperty("leader").GetBoolean());
        Assert.False(members[2].GetProperty("reachable").GetBoolean());
        Assert.Equal("coordinator", members[0].GetProperty("roles")[0].GetString());
    }

    [Fact]
    public async Task Banks_ReportPartitionsPerNode()
    {
        await using var server = await Start(new WebOptions());
        using var http = Client(server);
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/banks"));
        var nodes = doc.RootElement.GetProperty("nodes");
        Assert.Equal(2, nodes.GetArrayLength());
        Assert.Equal("akka.tcp://hfy@127.0.0.1:4054", nodes[0].GetProperty("node").GetString());
        Assert.Equal(2, nodes[0].GetProperty("partitions").GetInt32());
        Assert.Equal(200, nodes[0].GetProperty("rows").GetInt64());
        Assert.Equal(6400, nodes[0].GetProperty("bytes").GetInt64());
        Assert.Equal(1, nodes[1].GetProperty("partitions").GetInt32());
    }

    [Fact]
    public async Task OversizedSpec_IsRefusedWith413_AndCreatesNothing()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions { MaxSpecBytes = 4096 }, experiments);
        using var http = Client(server);
        var big = "{\"name\":\"big\",\"pad\":\"" + new string('x', 5000) + "\"}";
        using var r = await http.PostAsync("api/experiments", new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("spec refused: request body larger than the limit of 4096 bytes", doc.RootElement.GetProperty("detail").GetString());
        Assert.Equal(0, experiments.Created);
        Assert.Equal("[]", await http.GetStringAsync("api/experiments"));
    }

    [Fact]
    public async Task OversizedChunkedSpec_WithoutContentLength_IsRefusedToo()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions { MaxSpecBytes = 4096 }, experiments);
        using var http = Client(server);
        var bytes = Encoding.UTF8.GetBytes("{\"name\":\"big\",\"pad\":\"" + new string('x', 20_000) + "\"}");
        using var content = new StreamContent(new NonSeekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var r = await http.PostAsync("api/experiments", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal(0, experiments.Created);
    }

    [Fact]
    public async Task InvalidJson_IsRefusedWithItsPosition_AndCreatesNothing()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions(), experiments);
        using var http = Client(server);
        using var r = await http.PostAsync("api/experiments", new StringContent("{\n  \"name\": \"x\",\n  oops\n}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var problem = Assert.Single(doc.RootElement.GetProperty("errors").GetProperty("spec").EnumerateArray()).GetString();
        Assert.Equal("not valid JSON at line 3, position 3", problem);
        Assert.Equal(0, experiments.Created);
    }

    [Fact]
    public async Task SpecWithSeveralProblems_ListsEveryProblem_AndCreatesNothing()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions(), experiments);
        using var http = Client(server);
        using var r = await http.PostAsync("api/experiments", new StringContent("{\"alpha\":0.5}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("spec refused: 2 problem(s)", doc.RootElement.GetProperty("detail").GetString());
        var errors = doc.RootElement.GetProperty("errors");
        Assert.Equal(["required"], errors.GetProperty("name").EnumerateArray().Select(p => p.GetString()!));
        Assert.Equal(["must be ≥ 1 (got 0.5)"], errors.GetProperty("alpha").EnumerateArray().Select(p => p.GetString()!));
        Assert.Equal(0, experiments.Created);
        Assert.Equal("[]", await http.GetStringAsync("api/experiments"));
    }

    [Fact]
    public async Task ValidSpec_Is202WithLocation_AndTheExperimentIsListed()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions(), experiments);
        using var http = Client(server);
        using var r = await http.PostAsync("api/experiments", new StringContent("{\"name\":\"sweep\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal("/api/experiments/e1", r.Headers.Location?.OriginalString);
        using var created = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("e1", created.RootElement.GetProperty("id").GetString());
        Assert.Equal("/api/experiments/e1", created.RootElement.GetProperty("location").GetString());

        using var one = JsonDocument.Parse(await http.GetStringAsync("api/experiments/e1"));
        Assert.Equal("sweep", one.RootElement.GetProperty("name").GetString());
        Assert.Equal(0.3, one.RootElement.GetProperty("progress").GetDouble(), 12);
        using var missing = await http.GetAsync("api/experiments/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("{\"id\":\"e1\",\"cells\":[]}", await http.GetStringAsync("api/experiments/e1/results"));
    }

    [Fact]
    public async Task EventStream_PushesAtOnceWhenASourceSignalsAChange()
    {
        // An hour between ticks: the second event can only come from the signal.
        var cluster = new FakeClusterView();
        var changes = new ChangeSignal();
        await using var server = await WebServer.StartAsync(new WebOptions { EventInterval = TimeSpan.FromHours(1) }, cluster,
            new FakeExperimentService(RequireName), new FakeMetrics(), changes);
        using var http = Client(server);
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        var parser = System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync());
        await using var events = parser.EnumerateAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("snapshot", events.Current.EventType);
        Assert.Equal(TimeSpan.FromSeconds(2), parser.ReconnectionInterval);
        using (var first = JsonDocument.Parse(events.Current.Data))
        {
            Assert.Equal(3, first.RootElement.GetProperty("cluster").GetProperty("members").GetArrayLength());
        }

        cluster.Cluster = cluster.Cluster with { Members = [.. cluster.Cluster.Members.Take(2)] };
        var next = events.MoveNextAsync().AsTask();
        while (!next.IsCompleted)
        {
            changes.Notify();
            await Task.WhenAny(next, Task.Delay(50));
        }

        Assert.True(await next);
        using var second = JsonDocument.Parse(events.Current.Data);
        Assert.Equal(2, second.RootElement.GetProperty("cluster").GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task EventStream_PushesSnapshotsRepeatedly()
    {
        await using var server = await Start(new WebOptions { EventInterval = TimeSpan.FromMilliseconds(100) });
        using var http = Client(server);
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var snapshots = new List<JsonDocument>();
        while (snapshots.Count < 2)
        {
            var line = await reader.ReadLineAsync() ?? throw new InvalidOperationException("stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                snapshots.Add(JsonDocument.Parse(line["data: ".Length..]));
            }
        }

        Assert.Equal(3, snapshots[0].RootElement.GetProperty("cluster").GetProperty("members").GetArrayLength());
        Assert.Equal(2, snapshots[1].RootElement.GetProperty("banks").GetProperty("nodes").GetArrayLength());
        Assert.Equal(42, snapshots[1].RootElement.GetProperty("metrics").GetProperty("requestsTotal").GetInt64());
        Assert.True(snapshots[1].RootElement.GetProperty("at").GetDateTimeOffset() >= snapshots[0].RootElement.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Metrics_AreInPrometheusTextFormat()
    {
        var experiments = new FakeExperimentService(RequireName);
        await using var server = await Start(new WebOptions(), experiments);
        await experiments.SubmitAsync("{\"name\":\"a\"}", null, default);
        using var http = Client(server);
        using var r = await http.GetAsync("metrics");
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        var lines = (await r.Content.ReadAsStringAsync()).Split('\n');
        Assert.Contains("hfy_requests_total 42", lines);
        Assert.Contains("hfy_request_latency_seconds{quantile=\"0.5\"} 0.0125", lines);
        Assert.Contains("hfy_request_latency_seconds{quantile=\"0.99\"} 0.08", lines);
        Assert.Contains("hfy_round_trips_per_step 1.25", lines);
        Assert.Contains("hfy_request_throughput_per_second 2.5", lines);
        Assert.Contains("hfy_cells_done_total 3", lines);
        Assert.Contains("hfy_members_up 2", lines);
        Assert.Contains("hfy_members_unreachable 1", lines);
        Assert.Contains("hfy_node_partitions{node=\"akka.tcp://hfy@127.0.0.1:4054\"} 2", lines);
        Assert.Contains("# TYPE hfy_request_latency_seconds gauge", lines);
    }

    [Fact]
    public async Task Metrics_CountMembersPerState_AndDropTheSeriesOfMembersThatAreGone()
    {
        var cluster = new FakeClusterView();
        await using var server = await WebServer.StartAsync(new WebOptions(), cluster, new FakeExperimentService(RequireName), new FakeMetrics());
        using var http = Client(server);
        var lines = (await http.GetStringAsync("metrics")).Split('\n');
        Assert.Contains("hfy_members_state{state=\"Up\"} 2", lines);
        Assert.Contains("hfy_members_state{state=\"Unreachable\"} 1", lines);
        Assert.Contains("hfy_members{status=\"Up\"} 3", lines);

        // The unreachable member is downed, then removed.
        cluster.Cluster = cluster.Cluster with { Members = [.. cluster.Cluster.Members.Take(2), cluster.Cluster.Members[2] with { Status = "Down" }] };
        lines = (await http.GetStringAsync("metrics")).Split('\n');
        Assert.Contains("hfy_members_state{state=\"Down\"} 1", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("hfy_members_state{state=\"Unreachable\"}", StringComparison.Ordinal));
        cluster.Cluster = cluster.Cluster with { Members = [.. cluster.Cluster.Members.Take(2)] };
        lines = (await http.GetStringAsync("metrics")).Split('\n');
        Assert.Equal(["hfy_members_state{state=\"Up\"} 2"], lines.Where(l => l.StartsWith("hfy_members_state{", StringComparison.Ordinal)));
        Assert.Contains("hfy_members_unreachable 0", lines);
    }

    [Fact]
    public async Task ApiJson_FromTheSourceGeneratedContext_EqualsReflectionWithTheWebDefaults()
    {
        var experiments = new FakeExperimentService(RequireName);
        await experiments.SubmitAsync("{\"name\":\"a\"}", null, default);
        await using var server = await Start(new WebOptions(), experiments);
        var snapshot = server.Snapshot();
        var reflection = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
        {
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        var generated = System.Text.Json.JsonSerializer.Serialize(snapshot, WebJsonContext.Default.DashboardSnapshot);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(snapshot, reflection), generated);
        Assert.Contains("\"memberStates\":[{\"state\":\"Up\",\"count\":2},{\"state\":\"Unreachable\",\"count\":1}]", generated, StringComparison.Ordinal);
        Assert.Same(WebJsonContext.Default, WebServer.Json.TypeInfoResolver);

        // What the server sends is that document.
        using var http = Client(server);
        using var served = JsonDocument.Parse(await http.GetStringAsync("api/experiments"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(experiments.List(), reflection), served.RootElement.GetRawText());
    }

    [Fact]
    public async Task Dashboard_ServesPageScriptsAndTheChartLibraryFromNpm()
    {
        await using var server = await Start(new WebOptions());
        using var http = Client(server);
        var html = await http.GetStringAsync("");
        Assert.Contains("<script src=\"lib/chart.umd.min.js\"", html, StringComparison.Ordinal);
        var chart = await http.GetStringAsync("lib/chart.umd.min.js");
        Assert.Contains("Chart.js v4.6.1", chart, StringComparison.Ordinal);
        using var js = await http.GetAsync("app.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        using var missing = await http.GetAsync("nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task InvalidOptions_AreRefusedNamingTheField()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Start(new WebOptions { Token = "short" }));
        Assert.StartsWith("token: must be at least 16 characters", e.Message, StringComparison.Ordinal);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
