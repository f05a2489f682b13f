using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData.Internal;
using Akka.Serialization;

namespace Hfy.Actors.Serialization;

/// <summary>
/// Serializer for two node-local Akka messages that Akka 1.5.7x binds to no serializer of its own and that mark
/// themselves neither <see cref="INoSerializationVerificationNeeded"/>: with <c>serialize-messages = on</c> they fall
/// through to the <c>System.Object</c> binding (Newtonsoft JSON), which cannot rebuild them, so the send fails:
/// <list type="bullet">
/// <item>Akka.DistributedData's <c>Internal.ReadRepair</c> (a read aggregator tells its own replicator to merge the value
/// it read; JSON: "Unable to find a constructor to use for type Akka.DistributedData.Internal.DataEnvelope"). Without it
/// sharding's remember-entities store stalls after a membership change.</item>
/// <item>Akka.Cluster's <c>ClusterEvent.ReachabilityChanged</c> (the cluster event publisher tells the split brain resolver
/// and the cluster read view; JSON: "Cannot preserve reference to readonly dictionary … ImmutableDictionary`2[UniqueAddress,
/// Int64]"). Without it the split brain resolver does not see reachability changes.</item>
/// </list>
/// Both are written field by field (the DistributedData envelope by the serializer Akka binds it to, its protobuf one)
/// and rebuilt through their constructors, so they really round-trip. They are internal types, hence reflection; a
/// missing member fails loudly when the serializer is created.
/// </summary>
public sealed class AkkaLocalMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Serializer id registered in HOCON (ids below 100 are Akka's).</summary>
    public const int SerializerId = 4712;

    /// <summary>Akka.DistributedData's read repair, by type name (internal to Akka.DistributedData).</summary>
    public const string ReadRepairTypeName = "Akka.DistributedData.Internal.ReadRepair, Akka.DistributedData";

    /// <summary>Akka.Cluster's reachability event, by type name (internal to Akka.Cluster).</summary>
    public const string ReachabilityChangedTypeName = "Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster";

    private const string ReadRepairManifest = "rr";
    private const string ReachabilityManifest = "rc";
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

    private static readonly Type ReadRepairType = Find(typeof(DataEnvelope).Assembly, "Akka.DistributedData.Internal.ReadRepair");
    private static readonly Type ReachabilityChangedType = Find(typeof(UniqueAddress).Assembly, "Akka.Cluster.ClusterEvent+ReachabilityChanged");
    private static readonly Type ReachabilityType = Find(typeof(UniqueAddress).Assembly, "Akka.Cluster.Reachability");
    private static readonly Type RecordType = Find(typeof(UniqueAddress).Assembly, "Akka.Cluster.Reachability+Record");
    private static readonly Type StatusType = Find(typeof(UniqueAddress).Assembly, "Akka.Cluster.Reachability+ReachabilityStatus");

    /// <summary>Created by Akka from HOCON.</summary>
    public AkkaLocalMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var t = o.GetType();
        if (t == ReadRepairType) return ReadRepairManifest;
        if (t == ReachabilityChangedType) return ReachabilityManifest;
        throw Unsupported(t.FullName);
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var manifest = Manifest(obj);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            if (manifest == ReadRepairManifest) WriteReadRepair(w, obj);
            else WriteReachability(w, Get(obj, "Reachability"));
        }

        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            ReadRepairManifest => ReadReadRepair(r),
            ReachabilityManifest => Create(ReachabilityChangedType, ReadReachability(r)),
            _ => throw Unsupported($"manifest '{manifest}'"),
        };
    }

    private void WriteReadRepair(BinaryWriter w, object readRepair)
    {
        var envelope = (DataEnvelope)Get(readRepair, "Envelope");
        var serializer = system.Serialization.FindSerializerFor(envelope);
        var body = serializer.ToBinary(envelope);
        w.Write((string)Get(readRepair, "Key"));
        w.Write(serializer.Identifier);
        w.Write(Akka.Serialization.Serialization.ManifestFor(serializer, envelope));
        w.Write(body.Length);
        w.Write(body);
    }

    private object ReadReadRepair(BinaryReader r)
    {
        var key = r.ReadString();
        var serializerId = r.ReadInt32();
        var manifest = r.ReadString();
        var body = r.ReadBytes(r.ReadInt32());
        var envelope = system.Serialization.Deserialize(body, serializerId, manifest) as DataEnvelope
            ?? throw new SerializationException("akka-local serializer: the read repair's envelope did not decode to a DataEnvelope");
        return Create(ReadRepairType, key, envelope);
    }

    private static void WriteReachability(BinaryWriter w, object reachability)
    {
        var records = ((IEnumerable)Get(reachability, "Records")).Cast<object>().ToArray();
        w.Write(records.Length);
        foreach (var record in records)
        {
            WriteAddress(w, (UniqueAddress)Get(record, "Observer"));
            WriteAddress(w, (UniqueAddress)Get(record, "Subject"));
            w.Write(Convert.ToInt32(Get(record, "Status"), System.Globalization.CultureInfo.InvariantCulture));
            w.Write((long)Get(record, "Version"));
        }

        var versions = (ImmutableDictionary<UniqueAddress, long>)Get(reachability, "Versions");
        w.Write(versions.Count);
        foreach (var (node, version) in versions)
        {
            WriteAddress(w, node);
            w.Write(version);
        }
    }

    private static object ReadReachability(BinaryReader r)
    {
        var records = Array.CreateInstance(RecordType, r.ReadInt32());
        for (var i = 0; i < records.Length; i++)
        {
            var observer = ReadAddress(r);
            var subject = ReadAddress(r);
            var status = Enum.ToObject(StatusType, r.ReadInt32());
            records.SetValue(Create(RecordType, observer, subject, status, r.ReadInt64()), i);
        }

        var versions = ImmutableDictionary.CreateBuilder<UniqueAddress, long>();
        var count = r.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var node = ReadAddress(r);
            versions[node] = r.ReadInt64();
        }

        var createRange = typeof(ImmutableList).GetMethods()
            .Single(m => m.Name == nameof(ImmutableList.CreateRange) && m.GetParameters().Length == 1)
            .MakeGenericMethod(RecordType);
        var list = createRange.Invoke(null, [records])!;
        return Create(ReachabilityType, list, versions.ToImmutable());
    }

    private static void WriteAddress(BinaryWriter w, UniqueAddress node)
    {
        w.Write(node.Address.ToString());
        w.Write(node.Uid);
    }

    private static UniqueAddress ReadAddress(BinaryReader r) => new(Address.Parse(r.ReadString()), r.ReadInt32());

    private static object Get(object o, string property) =>
        (o.GetType().GetProperty(property, Members) ?? throw Missing(o.GetType(), property)).GetValue(o)
        ?? throw new SerializationException($"akka-local serializer: {o.GetType().Name}.{property} is null");

    private static object Create(Type type, params object[] args)
    {
        var types = args.Select(a => a.GetType()).ToArray();
        var ctor = type.GetConstructors(Members).SingleOrDefault(c =>
        {
            var ps = c.GetParameters();
            return ps.Length == args.Length && ps.Select((p, i) => p.ParameterType.IsAssignableFrom(types[i])).All(ok => ok);
        }) ?? throw Missing(type, $"constructor({string.Join(", ", types.Select(t => t.Name))})");
        return ctor.Invoke(args);
    }

    private static Type Find(Assembly assembly, string name) =>
        assembly.GetType(name) ?? throw new MissingMemberException($"akka-local serializer: {name} not found in {assembly.GetName()}; check the Akka version");

    private static SerializationException Unsupported(string? what) => new($"akka-local serializer: cannot handle {what}");

    private static MissingMemberException Missing(Type type, string member) =>
        new($"akka-local serializer: {type.FullName} has no {member}; check the Akka version");
}
