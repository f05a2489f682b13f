using Hfy.Coordinator.Engine;
using Hfy.Coordinator.Tests.Experiments;
using Hfy.Experiments;
using Hfy.Experiments.Runner;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Learning.Experiments;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>A coordinator and two bank nodes, every message through the serializer, for the learning-cell tests.</summary>
public sealed class LearningClusterFixture() : EmbeddedClusterFixture(2, new EmbeddedClusterOptions { SerializeAllMessages = true, NumericThreadsPerNode = 1 });

/// <summary>Learning cells run on the bank nodes give the local engine's numbers bit for bit, and are stored once.</summary>
public sealed class ClusterLearningTests(LearningClusterFixture fixture) : IClassFixture<LearningClusterFixture>
{
    private const string TinyRationale = """
        {
          "name": "tiny rationale", "kind": "rationale",
          "rationale": { "train": 20, "test": 10, "epochs": 2, "seeds": 2,
                         "maps": [ { "name": "ksubsets", "k": 5 }, { "name": "seq-ksubsets", "k": 5, "w": 1 } ] }
        }
        """;

    [Fact]
    public async Task MilExperiment_OnTheBankNodes_IsBitIdenticalToLocal_AndResumesWithoutSendingACell()
    {
        var local = await RunAsync(new LocalEngine(), Hfy.Coordinator.Tests.Experiments.LearningExperimentTests.SmallMil);
        var engine = fixture.Cluster.Engine;
        var firstSendsBefore = engine.LearningCounters.Sent - engine.LearningCounters.Resent;
        var completedBefore = engine.LearningCounters.Completed;
        var byNodeBefore = engine.LearningCounters.CompletedByNode.ToDictionary(kv => kv.Key, kv => kv.Value);
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(engine, store);
        var id = runner.Submit(ExperimentSpec.Parse(Hfy.Coordinator.Tests.Experiments.LearningExperimentTests.SmallMil), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));
        var remote = store.GetCells(id);

        // 2 maps × (2 configurations × 3 folds + 3 folds of seed 1).
        Assert.Equal(18, local.Count);
        AssertSameCells(local, remote);
        Assert.Equal(18, engine.LearningCounters.Completed - completedBefore);
        // Both bank nodes ran cells (least-loaded with round-robin ties; the coordinator runs none).
        Assert.Equal(2, engine.LearningCounters.CompletedByNode.Count(kv => kv.Value > byNodeBefore.GetValueOrDefault(kv.Key)));

        // Every cell was sent once (a resend after a node looked unreachable on a loaded machine is not a first send).
        Assert.Equal(18, engine.LearningCounters.Sent - engine.LearningCounters.Resent - firstSendsBefore);

        // Resume: every cell is stored, none is sent again, none is stored twice.
        var sent = engine.LearningCounters.Sent;
        await runner.RunAsync(id, null, CancellationToken.None);
        Assert.Equal(sent, engine.LearningCounters.Sent);
        Assert.Equal(18, store.GetCells(id).Count);
    }

    [Fact]
    public async Task RationaleExperiment_OnTheBankNodes_IsBitIdenticalToLocal()
    {
        var local = await RunAsync(new LocalEngine(), TinyRationale);
        var remote = await RunAsync(fixture.Cluster.Engine, TinyRationale);
        Assert.Equal(4, local.Count);
        AssertSameCells(local, remote);
        Assert.All(remote, c => Assert.NotNull(c.Metrics.Learning!.Runs));
    }

    [Fact]
    public async Task CellRefusedByEveryNode_FailsWithTheNodesReason_AfterItsAttempts()
    {
        var engine = fixture.Cluster.Engine;
        var section = LearningCellWork.SectionOf(new MilSpec
        {
            Datasets = ["tiger"], Maps = [new LearningMap { Name = "softmax" }], DataDir = "/nonexistent/mil", Epochs = 1, Folds = 3, Seeds = 1,
        });
        var failedBefore = engine.LearningCounters.Failed;
        var e = await Assert.ThrowsAsync<LearningCellException>(() =>
            engine.RunLearningCellAsync(new LearningCellWork("mil", section, "tiger", 0, 0, 0, 0, 1), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("mil.dataDir", e.Message, StringComparison.Ordinal);
        Assert.Contains($"failed on {new ClusterEngineOptions().Learning.MaxAttempts} attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(failedBefore + 1, engine.LearningCounters.Failed);
    }

    internal static async Task<IReadOnlyList<CellRecord>> RunAsync(IRetrievalEngine engine, string spec)
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(engine, store);
        var id = runner.Submit(ExperimentSpec.Parse(spec), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));
        return store.GetCells(id);
    }

    internal static void AssertSameCells(IReadOnlyList<CellRecord> local, IReadOnlyList<CellRecord> remote)
    {
        var byKey = remote.ToDictionary(c => c.Key);
        Assert.Equal(local.Count, byKey.Count);
        foreach (var l in local)
        {
            var r = byKey[l.Key];
            Assert.Equal(l.Index, r.Index);
            Assert.Equal(l.Params, r.Params);
            var (a, b) = (l.Metrics.Learning!, r.Metrics.Learning!);
            Assert.Equal(a with { Seconds = 0, BagsPerSecond = 0 }, b with { Seconds = 0, BagsPerSecond = 0 });
            // Bit for bit, not only equal as doubles.
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.FinalLoss), BitConverter.DoubleToInt64Bits(b.FinalLoss));
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.TestAuc), BitConverter.DoubleToInt64Bits(b.TestAuc));
            Assert.Equal(l.Metrics.SuccessRate, r.Metrics.SuccessRate);
        }
    }
}

/// <summary>A fresh cluster of three bank nodes with two numeric threads each, for the node-loss test (a node gets stopped).</summary>
public sealed class LearningFailoverFixture() : EmbeddedClusterFixture(3, new EmbeddedClusterOptions { SerializeAllMessages = true, NumericThreadsPerNode = 2 });

public sealed class ClusterLearningFailoverTests(LearningFailoverFixture fixture) : IClassFixture<LearningFailoverFixture>
{
    [Fact]
    public async Task BankNodeDyingWithCellsInFlight_CellsRunElsewhere_WithTheSameNumbers()
    {
        var spec = new MilSpec
        {
            Datasets = ["tiger"], Maps = [new LearningMap { Name = "sparsemax" }], Lr = [1e-3, 3e-3], EmbDims = [16], HiddenSize = [8], Heads = [4],
            Epochs = 40, Folds = 3, Seeds = 1,
        };
        var mil = new MilExperiment(spec);
        var section = LearningCellWork.SectionOf(spec);
        var cells = mil.Phase1("tiger", 0).ToArray(); // 2 configurations × 3 folds: one for every slot (3 nodes × 2 threads)
        var runner = new LearningCellRunner();
        var want = cells.Select(c => runner.Run(LearningCellWork.ForMil(section, c))).ToArray();

        var engine = fixture.Cluster.Engine;
        var running = cells.Select(c => engine.RunLearningCellAsync(LearningCellWork.ForMil(section, c), CancellationToken.None)).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (engine.LearningCounters.Sent < cells.Length && DateTime.UtcNow < deadline) await Task.Delay(10);
        // Every slot holds a cell, two on each node: the nodes told their two threads (the dispatcher assumes one until then).
        Assert.Equal(cells.Length, engine.LearningCounters.Sent);
        Assert.Equal([2, 2, 2], engine.LearningCounters.CapacityByNode.Values.Order());
        await fixture.Cluster.StopNodeAsync(2, abrupt: true);

        var got = await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(3));
        for (var i = 0; i < cells.Length; i++)
        {
            Assert.Equal(want[i] with { Seconds = 0, BagsPerSecond = 0 }, got[i] with { Seconds = 0, BagsPerSecond = 0 });
        }

        // The dead node's two cells were sent again to the survivors.
        Assert.True(engine.LearningCounters.Resent >= 2, $"resent {engine.LearningCounters.Resent}");
        Assert.Equal(cells.Length, engine.LearningCounters.Completed);
        Assert.Equal(0, engine.LearningCounters.Failed);
    }
}
