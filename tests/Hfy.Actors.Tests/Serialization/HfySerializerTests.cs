using Akka.Actor;
using Akka.Serialization;
using Hfy.Actors.Cluster;
using Hfy.Actors.Learning;
using Hfy.Actors.Partitions;
using Hfy.Actors.Protocol;
using Hfy.Actors.Serialization;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Tests.Serialization;

public sealed class HfySerializerTests : IDisposable
{
    private static readonly BankSpec Spec = new("bank-a", 1_000_003, 7, BankSourceKind.Npy, Seed: 12345678901234567890, Path: "/data/x.npy", Offset: 11, Normalization: RowNormalization.LayerNorm, Storage: BankStorage.Mapped, Generator: ProceduralGenerator.Vector);
    private static readonly PartitionAddress Address = new(Spec, 3, 40);
    private static readonly MapSpec Map = new(MapKind.SeqKSubsets, Alpha: 1.25, Gamma: 5, K: 3, Normalize: true, W: -0.5, Compat: true);

    private readonly ActorSystem _system = ActorSystem.Create("ser", Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank))));

    /// <summary>One sample of every registered message type, with non-default values in every field.</summary>
    public static IEnumerable<object[]> Samples()
    {
        yield return [new LoadPartition(Address)];
        yield return [new PartitionLoaded("bank-a", 3, 25_000, 6_400_000, "akka.tcp://hfy@10.0.0.1:4053")];
        yield return [new DropPartition(Address)];
        yield return [new PartitionDropped("bank-a", 3)];
        yield return [new ScoreRequest(
            new RoundHeader(Address, "req-1", 4, 17), new ScoreMapPart { Beta = 0.01, Map = Map, CandidateCap = 256, RowCap = 32, LeadRows = 8, SoftmaxTolerance = 1e-12 },
            new QueryBlock([1.5f, -2.25f, float.Epsilon, 3e30f], 2, [true, false], [5, 0], [0.1, -0.2, 1e-300, 4], 1e-6))];
        yield return [new ScoreReply("req-1", 17, 3, [
            new ScoreSummary(9.5, [9.5, 8.25], 25_000, true, -1.5, [9.5f, 8.25f], [75_000, 75_001], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 0, [], -1) { Min = -3.25, SoftmaxS = -0.5, ExactScores = [9.5, 8.25] },
            new ScoreSummary(double.NegativeInfinity, [], 0, false, double.PositiveInfinity, [], [], [], 12.5, [0.5, -0.25, 1, 2, 3, 4, 5], 75_123)])];
        yield return [new GatherRequest(new RoundHeader(Address, "req-1", 4, 18), [1.25, double.PositiveInfinity], 65_536, 12 << 20)];
        yield return [new GatherReply("req-1", 18, 3, [new GatherPart([75_000, 75_002], [0.5f, 0.25f], true), new GatherPart([], [], false)], 2, 5, 123_456_789_012)];
        yield return [new ProbeRequest(new RoundHeader(Address, "req-1", 4, 19), Map, [[0.1, 0.2, 0.3], []])];
        yield return [new ProbeReply("req-1", 19, 3, [[new MassSummary(1.5, -2.5, 7, 3.25, 9.5, 2), new MassSummary(0, 0, 0, 0, 0, 0)], []])];
        yield return [new ReadoutRequest(new RoundHeader(Address, "req-1", 4, 20), Map, [ReadoutMode.Threshold, ReadoutMode.Explicit], [0.75, 0], [[], [75_000, 75_009]], [[], [0.25, 0.75]], [0, 100])];
        yield return [new ReadoutReply("req-1", 20, 3, [new ReadoutPart(1.0, 2, [0.5, 0.25, 1, 2, 3, 4, 5], [75_000, 75_009], [0.25, 0.75]) { RegularizerSum = 0.125 }, new ReadoutPart(0, 0, [], [], [])])];
        yield return [new ScoresMissing("req-1", 20, 3)];
        yield return [new ReleaseScores(Address, "req-1")];
        yield return [new PartitionFailed("req-1", 20, 3, "partition bank-a/3: file not found")];
        yield return [new SupportCountRequest(new RoundHeader(Address, "req-1", 4, 21), [9.5, double.NaN], [1.75, 1])];
        yield return [new SupportCountReply("req-1", 21, 3, [24_999, 0])];
        yield return [new NodeMemoryRequest(42)];
        yield return [new NodeMemory("akka.tcp://hfy@10.0.0.1:4053", 900_000_000, 1_200_000_000, 12L << 30, 300_000_000, ["half", "procedural"])];
        yield return [new RunLearningCell("cell-1", 2, new LearningCellPart("mil", "{\"datasets\":[\"tiger\"],\"lr\":[0.001]}", "tiger", 3, 17, 9, 4, 2))];
        yield return [new LearningCellDone("cell-1", 2, "akka.tcp://hfy@10.0.0.2:4053", new LearningCellOutcome(
            "rationale", "rationale", "seq-ksubsets-5-w1", 1, "lr=0.005", 7, 3, 2, double.NaN, 0.875, 1.0 / 3, 0.5, double.Epsilon, 0.6931471805599453, 12.25, 4321.5, 0.8, 1.6, 0.25))];
        yield return [new LearningCapacityRequest(77)];
        yield return [new LearningCapacity(77, "akka.tcp://hfy@10.0.0.3:4053", 15)];
        yield return [new LearningCellFailed("cell-1", 3, "akka.tcp://hfy@10.0.0.3:4053", "mil tiger map 0 config 0 fold 0 seed 0: mil.dataDir: must be the folder holding elephant/, fox/, tiger/")];
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryRegisteredMessage_RoundTripsThroughTheSerializer_WithEveryFieldIntact(object message)
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        Assert.IsType<HfySerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var back = serializer.FromBinary(bytes, serializer.Manifest(message));

        Assert.Equal(message.GetType(), back.GetType());
        // Records compare arrays by reference; compare their serialized forms, which cover every field.
        Assert.Equal(bytes, serializer.ToBinary(back));
        Assert.Equal(Describe(message), Describe(back));
    }

    /// <summary>
    /// The bytes of every sample, pinned (Serialization/WireContract.txt: manifest, then the payload in hex, as the
    /// serializer wrote it when the contract was last changed on purpose): a node of the previous build reads what this
    /// one writes only while they stay the same, whatever the records look like in C#.
    /// </summary>
    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryRegisteredMessage_SerializesToThePinnedContractBytes(object message)
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        var manifest = serializer.Manifest(message);
        var pinned = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Serialization", "WireContract.txt"))
            .Select(line => line.Split(' '))
            .Single(f => f[0] == manifest)[1];

        Assert.Equal(pinned, Convert.ToHexString(serializer.ToBinary(message)));
    }

    [Fact]
    public void LearningCellMetrics_CrossTheWire_BitForBit()
    {
        var metrics = new Hfy.Learning.Experiments.LearningCellMetrics("mil", "tiger", "entmax-1.5", 2, "lr=0.001 emb=32", 4, 1, 2,
            0.9999999999999999, double.NaN, 1.0 / 3, 0.85, -0.0, 0.1 + 0.2, 1.5, 3000.25, null, 2.5, 1e-308);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LearningCellDone("r", 1, "n", LearningCellOutcome.From(metrics)));
        var message = new LearningCellDone("r", 1, "n", LearningCellOutcome.From(metrics));
        var back = (LearningCellDone)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        var got = back.Metrics.ToMetrics();
        Assert.Equal(metrics, got);
        Assert.Equal(BitConverter.DoubleToInt64Bits(metrics.ValidationAccuracy), BitConverter.DoubleToInt64Bits(got.ValidationAccuracy)); // −0 stays −0
    }

    [Fact]
    public void Samples_CoverEveryManifest()
    {
        var covered = Samples().Select(s => s[0].GetType()).ToHashSet();
        Assert.Equal(HfySerializer.Manifests.Keys.OrderBy(t => t.Name), covered.OrderBy(t => t.Name));
        Assert.Equal(HfySerializer.Manifests.Count, HfySerializer.Manifests.Values.Distinct().Count());
    }

    [Fact]
    public void UnregisteredMessageType_IsRefused_NotSentAsJson()
    {
        var serializer = new HfySerializer((ExtendedActorSystem)_system);
        Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() => serializer.ToBinary(new NotRegistered(1)));
        Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() => serializer.Manifest(new NotRegistered(1)));
        Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0x90], "zz"));

        // Bound through the marker interface, the system refuses to serialize it rather than falling back.
        Assert.IsType<HfySerializer>(_system.Serialization.FindSerializerFor(new NotRegistered(1)));
        Assert.ThrowsAny<Exception>(() => _system.Serialization.Serialize(new NotRegistered(1)));
    }

    [Fact]
    public void FloatBlocks_TravelAsRawBytes()
    {
        var queries = Enumerable.Range(0, 10_000).Select(i => (float)Math.Sin(i)).ToArray();
        var message = new ScoreRequest(new RoundHeader(Address, "r", 0, 0), new ScoreMapPart { Beta = 1, Map = MapSpec.Softmax, CandidateCap = 1, RowCap = 0, LeadRows = 0 }, new QueryBlock(queries, 1, [false], [0], [], 0));
        var size = HfySerializer.SizeOf(message);
        Assert.InRange(size, 40_000, 40_400); // 4 bytes per float plus a small header, not 5 per float
    }

    [Fact]
    public void WireBytes_AreWhatTheSerializerWroteAndRead_WithoutSerializingAgain()
    {
        var serializer = new HfySerializer((ExtendedActorSystem)_system);
        var sent = new ScoresMissing("req-w", 1, 2);
        Assert.Equal(0, HfySerializer.WireBytesOf(sent));
        var bytes = serializer.ToBinary(sent);
        Assert.Equal(bytes.Length, HfySerializer.WireBytesOf(sent));
        var received = serializer.FromBinary(bytes, "sm");
        Assert.Equal(bytes.Length, HfySerializer.WireBytesOf(received));
        Assert.Equal(HfySerializer.SizeOf(sent), bytes.Length);
    }

    [Fact]
    public void TruncatedPayload_IsRejected()
    {
        var serializer = new HfySerializer((ExtendedActorSystem)_system);
        var bytes = serializer.ToBinary(new ScoresMissing("req", 1, 2));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes[..^2], "sm"));
    }

    public void Dispose() => _system.Dispose();

    private static string Describe(object o) => o switch
    {
        System.Collections.IEnumerable e and not string => "[" + string.Join(",", e.Cast<object>().Select(Describe)) + "]",
        _ when o.GetType().Namespace?.StartsWith("Hfy", StringComparison.Ordinal) == true && !o.GetType().IsEnum =>
            o.GetType().Name + "{" + string.Join(";", o.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                .Select(p => p.Name + "=" + Describe(p.GetValue(o)!))) + "}",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };

    private sealed record NotRegistered(int X) : IHfyMessage;
}
