using Akka.Actor;
using Hfy.Actors.Retrieval;
using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>A fresh cluster per failover test class (a node gets stopped), with short retry timeouts.</summary>
public sealed class FailoverClusterFixture() : EmbeddedClusterFixture(3, new EmbeddedClusterOptions
{
    // Every message crosses a serializer, node-local ones included: also Akka.DistributedData's ReadRepair (sent
    // when the shards' remember-entities store re-reads after a membership change) and Akka.Cluster's
    // ReachabilityChanged, which HfyConfig binds to NodeLocalSerializer (JSON could not rebuild them).
    SerializeAllMessages = true,
    Engine = new ClusterEngineOptions
    {
        Retrieval = new RetrievalSettings { RoundTimeout = TimeSpan.FromSeconds(3), MaxRetries = 30, RequestTimeout = TimeSpan.FromSeconds(150) },
    },
});

internal static class FailoverScenario
{
    /// <summary>Runs a multi-step retrieval, stops bank node 2 once step 2 has started, and checks the answer.</summary>
    public static async Task RunAsync(EmbeddedCluster cluster, bool abrupt)
    {
        var spec = new BankSpec("failover", 200_000, 16, BankSourceKind.Gaussian, Seed: 99);
        await cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
        var rows = new long[] { 3, 100_001, 199_999 };
        var queries = EngineTestData.NoisyQueries(spec, rows, 1.0, seed: 4);
        // Enough rows and steps that the request is still running when the node is gone (8 steps over 20,000 rows ended
        // before an abrupt stop took effect on an idle machine once the kernels got faster).
        var options = new RetrievalOptions(MapSpec.Entmax(1.5), 0.5, Steps: 40, Post: PostTransform.Identity);
        var want = EngineTestData.Reference(BankSources.Load(spec), queries, rows.Length, options);

        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var observer = cluster.Coordinator.ActorOf(Props.Create(() => new StepGate(2, reached)));
        var retrieval = cluster.Engine.RetrieveAsync("failover", queries, rows.Length, options, observer, CancellationToken.None);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await cluster.StopNodeAsync(2, abrupt);
        var inFlight = !retrieval.IsCompleted;

        var got = await retrieval.WaitAsync(TimeSpan.FromSeconds(180));

        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], got.Results[b], 1e-5, $"after stopping a node, query {b}");
        var metrics = cluster.Engine.Metrics.Snapshot();
        Assert.Equal(0, metrics.Failures);
        // A dead node drops the messages in flight to it: a request still running when it died got through by re-sending
        // or re-scoring (every later round needs that node's partitions).
        if (abrupt && inFlight) Assert.True(metrics.Retries + metrics.StepRestarts > 0, "the stopped node's partitions were retried");

        // The survivors serve the whole bank: a second request needs no node that is gone.
        var again = await cluster.Engine.RetrieveAsync("failover", queries, rows.Length, options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(120));
        for (var b = 0; b < rows.Length; b++) EngineTestData.AssertSame(want[b], again.Results[b], 1e-5, $"next request, query {b}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!cluster.Engine.Metrics.Snapshot().MemberEvents.Any(e => e.Status == "Removed") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains(cluster.Engine.Metrics.Snapshot().MemberEvents, e => e.Status == "Removed");
    }

    private sealed class StepGate : ReceiveActor
    {
        public StepGate(int step, TaskCompletionSource reached) =>
            Receive<StepStarted>(s =>
            {
                if (s.Step >= step) reached.TrySetResult();
            });
    }
}

public sealed class GracefulFailoverTests(FailoverClusterFixture fixture) : IClassFixture<FailoverClusterFixture>
{
    [Fact]
    public Task NodeLeavingMidRetrieval_RequestCompletesWithTheSameAnswer() => FailoverScenario.RunAsync(fixture.Cluster, abrupt: false);
}

public sealed class AbruptFailoverTests(FailoverClusterFixture fixture) : IClassFixture<FailoverClusterFixture>
{
    [Fact]
    public Task NodeDyingMidRetrieval_RequestCompletesWithTheSameAnswer() => FailoverScenario.RunAsync(fixture.Cluster, abrupt: true);
}
