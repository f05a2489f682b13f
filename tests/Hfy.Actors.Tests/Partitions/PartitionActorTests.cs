using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Hfy.Actors.Cluster;
using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Tests.Partitions;

/// <summary>A partition actor on its own (no cluster), every message through the serializer.</summary>
public sealed class PartitionActorTests() : TestKit(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank) with { SerializeAllMessages = true }));

    private static readonly BankSpec Spec = new("p", 1000, 8, BankSourceKind.Gaussian, Seed: 5);

    [Fact]
    public void Load_MaterializesItsRowRangeFromTheSpec()
    {
        var partition = Sys.ActorOf(PartitionActor.Props());
        var address = new PartitionAddress(Spec, 2, 7);
        partition.Tell(new LoadPartition(address), TestActor);
        var loaded = ExpectMsg<PartitionLoaded>();
        Assert.Equal(PartitionAddress.FirstRowOf(1000, 3, 7) - PartitionAddress.FirstRowOf(1000, 2, 7), loaded.Rows);
        Assert.Equal(loaded.Rows * 8 * sizeof(float), loaded.Bytes);
    }

    [Fact]
    public void Score_SummaryListsEveryRowAboveTheLocalBound_WithItsRow()
    {
        var partition = Sys.ActorOf(PartitionActor.Props());
        var address = new PartitionAddress(Spec, 1, 4);
        var q = new float[] { 1, -1, 0.5f, 0, 2, 0, -0.5f, 1 };
        partition.Tell(new ScoreRequest(new RoundHeader(address, "r", 0, 1), new ScoreMapPart { Beta = 1.0, Map = MapSpec.Sparsemax, CandidateCap = 256, RowCap = 64, LeadRows = 0 }, new QueryBlock(q, 1, [false], [0], [], 0)), TestActor);
        var reply = ExpectMsg<ScoreReply>();

        var rows = BankSources.ReadRows(Spec, address.FirstRow, address.RowCount);
        var scores = new float[address.RowCount];
        Scorer.ScoreBatch(rows, 8, q, 1, 1.0, scores);
        var max = scores.Max();
        var expected = Enumerable.Range(0, scores.Length).Where(i => scores[i] > max - 1.0).Select(i => address.FirstRow + i).OrderBy(i => i).ToArray();

        var s = Assert.Single(reply.Queries);
        Assert.True(s.Complete);
        Assert.Equal(max, s.Max);
        Assert.Equal(expected, s.Ids.OrderBy(i => i).ToArray());
        for (var t = 0; t < s.Ids.Length; t++)
        {
            Assert.Equal(scores[s.Ids[t] - address.FirstRow], s.Scores[t]);
            Assert.Equal(rows.AsSpan((int)(s.Ids[t] - address.FirstRow) * 8, 8).ToArray(), s.Rows.AsSpan(t * 8, 8).ToArray());
        }
    }

    [Fact]
    public void ProbeWithoutScores_AnswersScoresMissing()
    {
        var partition = Sys.ActorOf(PartitionActor.Props());
        var address = new PartitionAddress(Spec, 0, 2);
        partition.Tell(new ProbeRequest(new RoundHeader(address, "unknown", 0, 3), MapSpec.Sparsemax, [[0.5]]), TestActor);
        var missing = ExpectMsg<ScoresMissing>();
        Assert.Equal(3, missing.Round);
        Assert.Equal(0, missing.Partition);
    }

    [Fact]
    public void Readout_SumsWeightedRowsOfItsRange()
    {
        var partition = Sys.ActorOf(PartitionActor.Props());
        var address = new PartitionAddress(Spec, 3, 4);
        var q = new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f };
        partition.Tell(new ScoreRequest(new RoundHeader(address, "r2", 0, 1), new ScoreMapPart { Beta = 0.01, Map = MapSpec.Softmax, CandidateCap = 4, RowCap = 0, LeadRows = 0 }, new QueryBlock(q, 1, [false], [0], [], 0)), TestActor);
        var summary = ExpectMsg<ScoreReply>().Queries[0];
        partition.Tell(new ReadoutRequest(new RoundHeader(address, "r2", 0, 2), MapSpec.Softmax, [ReadoutMode.Softmax], [summary.Max], [[]], [[]], [3]), TestActor);
        var part = ExpectMsg<ReadoutReply>().Queries[0];

        // Softmax readout equals the online-softmax triple of the score round.
        Assert.Equal(summary.SoftmaxZ, part.WeightSum, 1e-9);
        for (var j = 0; j < 8; j++) Assert.Equal(summary.SoftmaxR[j], part.Readout[j], 1e-9);
        Assert.Equal(address.RowCount, part.Count);
        Assert.Equal(3, part.PairIds.Length);
    }
}
