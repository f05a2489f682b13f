using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Hfy.Actors.Serialization;

/// <summary>
/// The binding for Akka's own node-local messages that have no serializer of their own and are not marked
/// <see cref="INoSerializationVerificationNeeded"/> (Akka.DistributedData's <c>ReadRepair</c>, Akka.Cluster's
/// <c>ReachabilityChanged</c>): they never leave the process, but <c>serialize-messages = on</c> (every cluster test
/// runs with it, so that each Hfy message really goes through <see cref="HfySerializer"/>) would send them to the
/// JSON fallback, which cannot rebuild them. They are "serialized" as a handle into a process-local table and taken
/// back out unchanged.
/// </summary>
/// <remarks>
/// No object is ever built from received bytes: a handle that this process did not issue (the message came from
/// another process, which only a misconfiguration can cause) fails with a <see cref="SerializationException"/>.
/// </remarks>
public sealed class NodeLocalSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>Serializer id registered in HOCON (ids below 100 are Akka's).</summary>
    public const int SerializerId = 4712;

    /// <summary>The Akka message types bound to this serializer, by assembly-qualified name (both are internal to Akka).</summary>
    public static IReadOnlyList<string> BoundTypeNames { get; } =
    [
        "Akka.DistributedData.Internal.ReadRepair, Akka.DistributedData",
        "Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster",
    ];

    private static readonly ConcurrentDictionary<long, object> Pending = new();
    private static long _next;

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var handle = Interlocked.Increment(ref _next);
        Pending[handle] = obj;
        return BitConverter.GetBytes(handle);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length != sizeof(long) || !Pending.TryRemove(BitConverter.ToInt64(bytes), out var obj))
            throw new SerializationException($"{type?.Name ?? "message"}: a node-local Akka message arrived from another process (handle not issued here)");
        return obj;
    }
}
