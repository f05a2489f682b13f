using System.Collections.Frozen;
using Akka.Actor;
using Akka.Serialization;
using Hfy.Actors.Protocol;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Hfy.Actors.Serialization;

/// <summary>
/// The Akka serializer of every Hfy message: MessagePack contracts, a fixed table of short manifests,
/// untrusted-data security on the way in, float/double/long blocks as raw bytes. A type that is not in
/// the table is refused (never sent as JSON).
/// </summary>
public sealed class HfySerializer : SerializerWithStringManifest
{
    /// <summary>Serializer id registered in HOCON (ids below 100 are Akka's).</summary>
    public const int SerializerId = 4711;

    /// <summary>The manifest of every message type; a manifest names its type forever, so entries are only ever added.</summary>
    public static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(LoadPartition)] = "pl",
        [typeof(PartitionLoaded)] = "pL",
        [typeof(DropPartition)] = "pd",
        [typeof(PartitionDropped)] = "pD",
        [typeof(ScoreRequest)] = "sq",
        [typeof(ScoreReply)] = "sr",
        [typeof(GatherRequest)] = "gq",
        [typeof(GatherReply)] = "gr",
        [typeof(ProbeRequest)] = "pq",
        [typeof(ProbeReply)] = "pr",
        [typeof(ReadoutRequest)] = "rq",
        [typeof(ReadoutReply)] = "rr",
        [typeof(ScoresMissing)] = "sm",
        [typeof(ReleaseScores)] = "rl",
        [typeof(PartitionFailed)] = "pf",
        [typeof(SupportCountRequest)] = "cq",
        [typeof(SupportCountReply)] = "cr",
        [typeof(Partitions.NodeMemoryRequest)] = "nq",
        [typeof(Partitions.NodeMemory)] = "nm",
        [typeof(Learning.RunLearningCell)] = "lq",
        [typeof(Learning.LearningCellDone)] = "ld",
        [typeof(Learning.LearningCellFailed)] = "lf",
        [typeof(Learning.LearningCapacityRequest)] = "lk",
        [typeof(Learning.LearningCapacity)] = "lK",
    }.ToFrozenDictionary();

    // Sizes keyed by the message instance, alive as long as the message is (the aggregator reads them back).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> WireSizes = [];

    private static readonly FrozenDictionary<string, Type> Types = Manifests.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Options shared by both directions: raw blocks and kernel records first, then the attribute-based contracts.</summary>
    internal static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            new IMessagePackFormatter[]
            {
                RawBlockFormatter<float>.Instance, RawBlockFormatter<double>.Instance, RawBlockFormatter<long>.Instance,
                BankSpecFormatter.Instance, MapSpecFormatter.Instance,
            },
            new IFormatterResolver[] { StandardResolver.Instance }))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Created by Akka from HOCON.</summary>
    public HfySerializer(ExtendedActorSystem system)
        : base(system)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw float blocks assume a little-endian machine");
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Manifests.TryGetValue(o.GetType(), out var m) ? m : throw Unregistered(o.GetType());
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var type = obj.GetType();
        if (!Manifests.ContainsKey(type)) throw Unregistered(type);
        var bytes = MessagePackSerializer.Serialize(type, obj, Options);
        WireSizes.AddOrUpdate(obj, bytes.Length);
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
            throw new System.Runtime.Serialization.SerializationException($"hfy serializer: unknown manifest '{manifest}'");
        var message = MessagePackSerializer.Deserialize(type, bytes, Options)
            ?? throw new System.Runtime.Serialization.SerializationException($"hfy serializer: '{manifest}' decoded to null");
        WireSizes.AddOrUpdate(message, bytes.Length);
        return message;
    }

    /// <summary>
    /// Bytes of <paramref name="message"/> as this serializer last wrote it (a message sent off the node) or read it
    /// (one that arrived): the traffic the transport carried, counted from the serializer's own output. 0 for a
    /// message that never crossed a process boundary.
    /// </summary>
    public static int WireBytesOf(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WireSizes.TryGetValue(message, out var size) ? (int)size : 0;
    }

    /// <summary>Serialized size of a registered message in bytes (what the wire carries, without transport framing); serializes it (tests, limits).</summary>
    public static int SizeOf(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MessagePackSerializer.Serialize(message.GetType(), message, Options).Length;
    }

    private static System.Runtime.Serialization.SerializationException Unregistered(Type type) =>
        new($"hfy serializer: type {type.FullName} is not in the manifest table; add it to HfySerializer.Manifests");
}
