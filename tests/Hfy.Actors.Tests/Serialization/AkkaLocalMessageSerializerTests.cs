using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.DistributedData.Internal;
using Akka.Serialization;
using Hfy.Actors.Cluster;
using Hfy.Actors.Serialization;

namespace Hfy.Actors.Tests.Serialization;

/// <summary>
/// The two node-local Akka messages that the default JSON binding cannot rebuild (so serialize-messages = on dropped
/// them) are bound to <see cref="AkkaLocalMessageSerializer"/> by HfyConfig and round-trip with their content intact.
/// </summary>
public sealed class AkkaLocalMessageSerializerTests : IDisposable
{
    private static readonly UniqueAddress NodeA = new(new Address("akka.tcp", "hfy", "127.0.0.1", 40001), 17);
    private static readonly UniqueAddress NodeB = new(new Address("akka.tcp", "hfy", "127.0.0.1", 40002), -5);

    private readonly ActorSystem _system = ActorSystem.Create("ser", Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = cluster")
        .WithFallback(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank) with { Seeds = [] }))
        .WithFallback(DistributedData.DefaultConfig())); // as on a sharding node: the ddata protobuf serializers bound

    [Fact]
    public void ReadRepair_IsBoundToTheAkkaLocalSerializer_AndRoundTripsWithItsEnvelope()
    {
        var set = ORSet<string>.Empty.Add(NodeA, "failover/17").Add(NodeB, "failover/3");
        var type = typeof(DataEnvelope).Assembly.GetType("Akka.DistributedData.Internal.ReadRepair")!;
        var envelopeIn = (DataEnvelope)Activator.CreateInstance(
            typeof(DataEnvelope), BindingFlags.NonPublic | BindingFlags.Instance, null, [set, null, null], null)!;
        var message = Activator.CreateInstance(type, "shard-bank-partition-17-1", envelopeIn)!;

        var back = RoundTrip(message);

        Assert.Equal("shard-bank-partition-17-1", type.GetProperty("Key")!.GetValue(back));
        var envelope = (DataEnvelope)type.GetProperty("Envelope")!.GetValue(back)!;
        Assert.Equal(set, envelope.Data); // ORSet equality: elements and their version vectors
        Assert.Equal(["failover/17", "failover/3"], ((ORSet<string>)envelope.Data).Elements.Order());
    }

    [Fact]
    public void ReachabilityChanged_IsBoundToTheAkkaLocalSerializer_AndRoundTripsEveryRecord()
    {
        var asm = typeof(UniqueAddress).Assembly;
        var reachabilityType = asm.GetType("Akka.Cluster.Reachability")!;
        var recordType = asm.GetType("Akka.Cluster.Reachability+Record")!;
        var statusType = asm.GetType("Akka.Cluster.Reachability+ReachabilityStatus")!;
        var records = Array.CreateInstance(recordType, 2);
        records.SetValue(Activator.CreateInstance(recordType, NodeA, NodeB, Enum.Parse(statusType, "Unreachable"), 3L), 0);
        records.SetValue(Activator.CreateInstance(recordType, NodeB, NodeA, Enum.Parse(statusType, "Reachable"), 9L), 1);
        var list = typeof(ImmutableList).GetMethods().Single(m => m.Name == "CreateRange" && m.GetParameters().Length == 1)
            .MakeGenericMethod(recordType).Invoke(null, [records])!;
        var versions = ImmutableDictionary<UniqueAddress, long>.Empty.Add(NodeA, 3).Add(NodeB, 9);
        var reachability = Activator.CreateInstance(reachabilityType, list, versions)!;
        var message = Activator.CreateInstance(asm.GetType("Akka.Cluster.ClusterEvent+ReachabilityChanged")!, reachability)!;

        var back = RoundTrip(message);

        var got = back.GetType().GetProperty("Reachability")!.GetValue(back)!;
        Assert.Equal(Describe(reachability), Describe(got));
        Assert.Equal(versions, (ImmutableDictionary<UniqueAddress, long>)reachabilityType.GetProperty("Versions")!.GetValue(got)!);
        Assert.Equal([NodeB], ((IEnumerable)reachabilityType.GetProperty("AllUnreachable")!.GetValue(got)!).Cast<UniqueAddress>());
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private object RoundTrip(object message)
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        Assert.IsType<AkkaLocalMessageSerializer>(serializer);
        return serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    private static string[] Describe(object reachability) =>
        ((IEnumerable)reachability.GetType().GetProperty("Records")!.GetValue(reachability)!).Cast<object>()
        .Select(r => string.Join("|", new[] { "Observer", "Subject", "Status", "Version" }.Select(p => r.GetType().GetProperty(p)!.GetValue(r)!.ToString())))
        .ToArray();
}
