using System.Runtime.Serialization;
using Akka.Actor;
using Akka.DistributedData;
using Hfy.Actors.Cluster;
using Hfy.Actors.Protocol;
using Hfy.Actors.Serialization;

namespace Hfy.Actors.Tests.Serialization;

/// <summary>
/// Akka's two node-local messages are bound to <see cref="NodeLocalSerializer"/> (a handle, never a rebuilt object);
/// every Hfy message is bound to the production <see cref="HfySerializer"/>.
/// </summary>
public sealed class NodeLocalSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("ser", Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = cluster")
        .WithFallback(HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank) with { Seeds = [], SerializeAllMessages = true }))
        .WithFallback(DistributedData.DefaultConfig()));

    [Fact]
    public void BoundTypes_ExistInThisAkka_AndResolveToTheNodeLocalSerializer()
    {
        foreach (var name in NodeLocalSerializer.BoundTypeNames)
        {
            var type = Type.GetType(name);
            Assert.True(type is not null, $"{name} no longer exists in this Akka version: update NodeLocalSerializer.BoundTypeNames");
            Assert.IsType<NodeLocalSerializer>(_system.Serialization.FindSerializerForType(type));
        }
    }

    [Fact]
    public void HfyMessages_ResolveToTheMessagePackSerializer()
    {
        Assert.IsType<HfySerializer>(_system.Serialization.FindSerializerForType(typeof(ReleaseScores)));
        Assert.IsType<HfySerializer>(_system.Serialization.FindSerializerForType(typeof(LoadPartition)));
    }

    [Fact]
    public void RoundTrip_ReturnsTheSameInstance_Once()
    {
        var serializer = (NodeLocalSerializer)_system.Serialization.FindSerializerForType(Type.GetType(NodeLocalSerializer.BoundTypeNames[1])!);
        var message = new object();
        var bytes = serializer.ToBinary(message);
        Assert.Same(message, serializer.FromBinary(bytes, typeof(object)));
        // A handle is taken out once: a replayed or foreign handle is refused, not turned into an object.
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, typeof(object)));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([1, 2, 3], typeof(object)));
    }

    public void Dispose() => _system.Dispose();
}
