using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Hfy.Actors.Cluster;
using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Actors.Retrieval;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Tests.Retrieval;

/// <summary>The aggregator over partition actors in this process (no cluster): it moves the rounds, the driver decides them.</summary>
public sealed class RetrievalAggregatorTests() : TestKit(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank)));

    private static readonly BankSpec Spec = new("agg", 600, 8, BankSourceKind.Gaussian, Seed: 9);

    private static float[] Queries(Bank bank, int batch)
    {
        var q = new float[batch * bank.Dim];
        for (var b = 0; b < batch; b++)
        {
            for (var k = 0; k < bank.Dim; k++) q[b * bank.Dim + k] = bank.Row(b * 11)[k] + (0.2f * MathF.Cos(b + k));
        }

        return q;
    }

    [Fact]
    public void LostScores_RestartTheStep_CountEveryRound_AndEqualTheLocalEngine()
    {
        const int batch = 3, partitions = 3;
        var bank = BankSources.Load(Spec);
        var queries = Queries(bank, batch);
        var options = new RetrievalOptions(MapSpec.Sparsemax, 2.0, 3);
        // No rows travel with the candidates: every evaluation takes an explicit readout round.
        var settings = new RetrievalSettings { RowCap = 0, LeadRowCap = 0, RequestTimeout = TimeSpan.FromSeconds(60) };
        var region = Sys.ActorOf(Props.Create(() => new LocalRegion(loseReadoutOf: 1)));
        var job = new RetrievalJob("req-a", Spec, partitions, region, queries.Select(v => (double)v).ToArray(), batch, options, settings);

        Sys.ActorOf(RetrievalAggregator.Props(job)).Tell(RetrievalAggregator.Go.Instance, TestActor);
        var done = ExpectMsg<RetrievalCompleted>(TimeSpan.FromSeconds(60));

        var want = HfyDynamics.RunBatch(bank, queries, batch, options);
        for (var b = 0; b < batch; b++)
        {
            Assert.Equal(want[b].Steps, done.Results[b].Steps);
            for (var k = 0; k < Spec.Dim; k++) Assert.Equal(want[b].Q[k], done.Results[b].Q[k], 1e-5);
            Assert.Equal(want[b].Ids, done.Results[b].Ids);
        }

        var cost = done.Cost;
        Assert.Equal(1, cost.StepRestarts);
        // Three evaluations, the first scored twice; a readout round each, the lost one included. No final evaluation:
        // every query's last step ends at a fixed point with one-hot weights (RetrievalDriver's FinishAtFixedPoint).
        Assert.Equal(options.Steps + 1, cost.Evaluations);
        Assert.Equal(options.Steps + 1, cost.ReadoutRounds);
        Assert.Equal(cost.Evaluations + cost.ReadoutRounds + cost.ProbeRounds + cost.GatherRounds, cost.RoundTrips);
        // Nothing crossed a process boundary: the serializer wrote no bytes for this request.
        Assert.Equal(0, cost.BytesSent + cost.BytesReceived);
    }

    [Fact]
    public void APartitionThatNeverAnswers_FailsTheRequestNamingTheRoundAndThePartition()
    {
        var region = Sys.ActorOf(Props.Create(() => new LocalRegion(-1, silent: 2)));
        var settings = new RetrievalSettings { RoundTimeout = TimeSpan.FromMilliseconds(200), MaxRetries = 2, RequestTimeout = TimeSpan.FromSeconds(30) };
        var job = new RetrievalJob("req-b", Spec, 3, region, new double[Spec.Dim], 1, new RetrievalOptions(MapSpec.Softmax, 1.0, 1), settings);

        Sys.ActorOf(RetrievalAggregator.Props(job)).Tell(RetrievalAggregator.Go.Instance, TestActor);
        var failed = ExpectMsg<RetrievalFailed>(TimeSpan.FromSeconds(30));
        Assert.Equal("score round: partitions [2] did not answer after 2 retries", failed.Reason);
    }

    /// <summary>Stands in for the sharding region: one partition actor per index, in this process.</summary>
    private sealed class LocalRegion : ReceiveActor
    {
        private readonly Dictionary<int, IActorRef> _partitions = [];
        private bool _lost;

        public LocalRegion(int loseReadoutOf, int silent = -1)
        {
            Receive<IPartitionMessage>(m =>
            {
                var i = m.Partition.Index;
                if (i == silent) return;
                if (m is ReadoutRequest r && i == loseReadoutOf && !_lost)
                {
                    // As a partition rebuilt on another node would: it has no scores for this step.
                    _lost = true;
                    Sender.Tell(new ScoresMissing(r.Header.RequestId, r.Header.Round, i));
                    return;
                }

                if (!_partitions.TryGetValue(i, out var p)) _partitions[i] = p = Context.ActorOf(PartitionActor.Props(), "p" + i);
                p.Forward(m);
            });
        }
    }
}
