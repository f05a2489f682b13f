using Akka.Actor;
using Akka.TestKit.Xunit2;
using Hfy.Actors.Cluster;
using Hfy.Actors.Protocol;
using Hfy.Coordinator.Engine;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>Sharding delivers at most once: a LoadPartition lost on the way is asked again, and the bank still loads.</summary>
public sealed class ClusterEngineLoadTests() : TestKit(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Coordinator)))
{
    [Fact]
    public async Task CreateBank_AsksAgain_WhenAPartitionsLoadMessageIsLost()
    {
        var seen = new Dictionary<int, int>();
        var region = Sys.ActorOf(Props.Create(() => new LossyRegion(seen, dropFirstOf: 1)));
        var options = new ClusterEngineOptions { PartitionsPerBank = 3, LoadTimeout = TimeSpan.FromSeconds(20), LoadAttemptTimeout = TimeSpan.FromMilliseconds(300) };
        await using var engine = new ClusterEngine(Sys, region, options);

        await engine.CreateBankAsync(new BankSpec("lossy", 30, 4, BankSourceKind.Gaussian, Seed: 1), CancellationToken.None);

        var counts = await region.Ask<Dictionary<int, int>>(LossyRegion.Report.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(1, counts[0]);
        Assert.Equal(2, counts[1]); // dropped once, answered on the second ask
        Assert.Equal(1, counts[2]);
    }

    [Fact]
    public async Task DropBank_AsksAgain_WhenAPartitionsDropMessageIsLost()
    {
        // A shard handed off while its node leaves drops the messages buffered for it; a lost DropPartition used to fail
        // the experiment after the whole load timeout ("Timeout after 120.00 seconds", LocalProcessClusterTests).
        var seen = new Dictionary<int, int>();
        var drops = new Dictionary<int, int>();
        var region = Sys.ActorOf(Props.Create(() => new LossyRegion(seen, -1, false, drops, 2)));
        var options = new ClusterEngineOptions { PartitionsPerBank = 3, LoadTimeout = TimeSpan.FromSeconds(20), LoadAttemptTimeout = TimeSpan.FromMilliseconds(300) };
        await using var engine = new ClusterEngine(Sys, region, options);
        await engine.CreateBankAsync(new BankSpec("lossy-drop", 30, 4, BankSourceKind.Gaussian, Seed: 1), CancellationToken.None);

        await engine.DropBankAsync("lossy-drop", CancellationToken.None);

        var counts = await region.Ask<Dictionary<int, int>>(LossyRegion.DropReport.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(1, counts[0]);
        Assert.Equal(1, counts[1]);
        Assert.Equal(2, counts[2]); // lost once, answered on the second ask
    }

    [Fact]
    public async Task CreateBank_FailsAfterTheLoadTimeout_WhenAPartitionNeverAnswers()
    {
        var region = Sys.ActorOf(Props.Create(() => new LossyRegion(new Dictionary<int, int>(), dropFirstOf: 1, dropAll: true)));
        var options = new ClusterEngineOptions { PartitionsPerBank = 2, LoadTimeout = TimeSpan.FromSeconds(1), LoadAttemptTimeout = TimeSpan.FromMilliseconds(250) };
        await using var engine = new ClusterEngine(Sys, region, options);

        await Assert.ThrowsAsync<AskTimeoutException>(() => engine.CreateBankAsync(new BankSpec("dead", 20, 4, BankSourceKind.Gaussian, Seed: 1), CancellationToken.None));
    }

    [Fact]
    public void Options_RejectANonPositiveAttemptTimeout()
    {
        var e = Assert.Throws<ArgumentException>(() => new ClusterEngine(Sys, TestActor, new ClusterEngineOptions { LoadAttemptTimeout = TimeSpan.Zero }));
        Assert.Contains("load attempt timeout", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Stands in for the partition region: answers LoadPartition, except that it drops one partition's first message (or all of them).</summary>
    private sealed class LossyRegion : ReceiveActor
    {
        public LossyRegion(Dictionary<int, int> seen, int dropFirstOf, bool dropAll = false, Dictionary<int, int>? drops = null, int loseFirstDropOf = -1)
        {
            var dropSeen = drops ?? [];
            Receive<DropPartition>(m =>
            {
                var i = m.Partition.Index;
                dropSeen[i] = dropSeen.GetValueOrDefault(i) + 1;
                if (i == loseFirstDropOf && dropSeen[i] == 1) return;
                Sender.Tell(new PartitionDropped(m.Partition.Spec.Name, i));
            });
            Receive<DropReport>(_ => Sender.Tell(new Dictionary<int, int>(dropSeen)));
            Receive<LoadPartition>(m =>
            {
                var i = m.Partition.Index;
                seen[i] = seen.GetValueOrDefault(i) + 1;
                if (i == dropFirstOf && (dropAll || seen[i] == 1)) return;
                Sender.Tell(new PartitionLoaded(m.Partition.Spec.Name, i, m.Partition.RowCount, 0, "test"));
            });
            Receive<Report>(_ => Sender.Tell(new Dictionary<int, int>(seen)));
        }

        public sealed class Report
        {
            public static readonly Report Instance = new();
        }

        public sealed class DropReport
        {
            public static readonly DropReport Instance = new();
        }
    }
}
