using System.Net;
using System.Net.Sockets;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class CoordinatorClientTests
{
    private const string Token = "client-test-token-0123456789";

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Unreachable_IsOneLineNamingTheAddress_ExitCode1()
    {
        var port = FreePort();
        using var client = new CoordinatorClient(new Uri($"http://127.0.0.1:{port}"), null, TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<CoordinatorClientException>(() => client.GetAsync("api/cluster", default));
        Assert.StartsWith($"coordinator: cannot reach http://127.0.0.1:{port}/ (ConnectionError", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public async Task MissingToken_SaysHowToPassIt_ExitCode2()
    {
        await using var server = await WebServer.StartAsync(new WebOptions { Token = Token }, new FakeClusterView(), new FakeExperimentService(_ => []), new FakeMetrics());
        using var client = new CoordinatorClient(server.Address, null);
        var e = await Assert.ThrowsAsync<CoordinatorClientException>(() => client.GetAsync("api/cluster", default));
        Assert.Equal("coordinator: unauthorized (401): pass --token TOKEN or set HFY_TOKEN to the token the coordinator printed at start", e.Message);
        Assert.Equal(2, e.ExitCode);

        using var authorized = new CoordinatorClient(server.Address, Token);
        using var doc = await authorized.GetAsync("api/cluster", default);
        Assert.Equal(3, doc.RootElement.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task RefusedSpec_CarriesEveryProblem_ExitCode2()
    {
        var experiments = new FakeExperimentService(_ => ["grid.sizes: must not be empty", "maps[0].alpha: must be ≥ 1 (got 0.5)"]);
        await using var server = await WebServer.StartAsync(new WebOptions(), new FakeClusterView(), experiments, new FakeMetrics());
        using var client = new CoordinatorClient(server.Address, null);
        var e = await Assert.ThrowsAsync<CoordinatorClientException>(() => client.SubmitAsync("{}", default));
        Assert.Equal("spec refused: 2 problem(s)", e.Message);
        Assert.Equal(["grid.sizes: must not be empty", "maps[0].alpha: must be ≥ 1 (got 0.5)"], e.Problems);
        Assert.Equal(2, e.ExitCode);
        Assert.Equal(0, experiments.Created);
    }

    [Fact]
    public async Task AcceptedSpec_ReturnsTheId()
    {
        var experiments = new FakeExperimentService(_ => []);
        await using var server = await WebServer.StartAsync(new WebOptions(), new FakeClusterView(), experiments, new FakeMetrics());
        using var client = new CoordinatorClient(CoordinatorClient.ParseAddress(server.Address.Authority), null);
        Assert.Equal("e1", await client.SubmitAsync("{\"name\":\"n\"}", default));
        Assert.Equal(1, experiments.Created);
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("http://")]
    public void BadAddress_IsRefusedNamingTheFlag(string address)
    {
        var e = Assert.Throws<ArgumentException>(() => CoordinatorClient.ParseAddress(address));
        Assert.StartsWith("coordinator: ", e.Message, StringComparison.Ordinal);
    }
}
