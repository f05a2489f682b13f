using Akka.Actor;
using Akka.Cluster.Sharding;
using Hfy.Actors.Cluster;
using Hfy.Actors.Protocol;

namespace Hfy.Actors.Partitions;

/// <summary>
/// Bank partitions as sharded entities: the region on <c>bank</c> nodes, a proxy on coordinator nodes.
/// Entity id = <c>bank/partition</c>; shard id = partition index modulo the shard count, so a bank's
/// contiguous partitions spread evenly over the nodes.
/// </summary>
public static class PartitionSharding
{
    /// <summary>Sharding type name of bank partitions.</summary>
    public const string TypeName = "bank-partition";

    /// <summary>Number of shards (several per node, so that a lost node's partitions spread over the survivors).</summary>
    public const int ShardCount = 64;

    /// <summary>Starts the partition region on a bank node (and the node's info and learning-cell actors).</summary>
    public static IActorRef StartRegion(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var sharding = ClusterSharding.Get(system); // loads the sharding defaults the settings read
        var settings = ClusterShardingSettings.Create(system).WithRole(HfyRoles.Bank).WithRememberEntities(true);
        system.ActorOf(NodeInfoActor.Props(), NodeInfoActor.Name);
        system.ActorOf(Learning.LearningCellWorker.Props(), Learning.LearningCellWorker.Name);
        return sharding.Start(TypeName, _ => PartitionActor.Props(), settings, new Extractor());
    }

    /// <summary>Starts a proxy to the partition region on a node without the bank role.</summary>
    public static IActorRef StartProxy(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return ClusterSharding.Get(system).StartProxy(TypeName, HfyRoles.Bank, new Extractor());
    }

    /// <summary>Routes <see cref="IPartitionMessage"/>s to their entity.</summary>
    internal sealed class Extractor : IMessageExtractor
    {
        public string? EntityId(object message) => message switch
        {
            IPartitionMessage m => m.Partition.EntityId,
            _ => null,
        };

        public object? EntityMessage(object message) => message;

        public string? ShardId(object message) => message switch
        {
            IPartitionMessage m => ShardOf(m.Partition.Index),
            _ => null,
        };

        public string ShardId(string entityId, object? messageHint = null) => ShardOf(IndexOf(entityId));

        private static string ShardOf(int index) => (index % ShardCount).ToString(System.Globalization.CultureInfo.InvariantCulture);

        private static int IndexOf(string entityId) =>
            int.Parse(entityId.AsSpan(entityId.LastIndexOf('/') + 1), System.Globalization.CultureInfo.InvariantCulture);
    }
}
