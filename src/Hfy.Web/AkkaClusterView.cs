using Akka.Actor;
using Akka.Cluster;

namespace Hfy.Web;

/// <summary>
/// The cluster view of one actor system (the coordinator's): members from Akka.Cluster's current state,
/// incidents from its membership and reachability events, banks from a supplier given by the engine.
/// </summary>
public sealed class AkkaClusterView : IClusterView
{
    private readonly Cluster _cluster;
    private readonly Func<BanksSnapshot> _banks;

    /// <summary>Starts listening to <paramref name="system"/>'s cluster events.</summary>
    /// <param name="system">The coordinator's actor system (cluster provider).</param>
    /// <param name="banks">Reads banks and partitions from the engine; empty when null.</param>
    /// <param name="incidents">Where incidents go; a new log when null. The engine may add partition incidents to it.</param>
    public AkkaClusterView(ActorSystem system, Func<BanksSnapshot>? banks = null, IncidentLog? incidents = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        _cluster = Cluster.Get(system);
        _banks = banks ?? (() => BanksSnapshot.Empty);
        Incidents = incidents ?? new IncidentLog();
        var recorder = system.ActorOf(Props.Create(() => new IncidentRecorder(Incidents)), "hfy-web-incidents-" + Guid.NewGuid().ToString("N")[..8]);
        _cluster.Subscribe(
            recorder,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent),
            typeof(ClusterEvent.MemberDowned),
            typeof(ClusterEvent.MemberRemoved));
    }

    /// <summary>The incident log this view fills.</summary>
    public IncidentLog Incidents { get; }

    /// <inheritdoc />
    public ClusterSnapshot GetCluster()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        Member? oldest = null;
        foreach (var m in state.Members)
        {
            if (m.Status == MemberStatus.Up && (oldest is null || m.IsOlderThan(oldest)))
            {
                oldest = m;
            }
        }

        var members = state.Members
            .Select(m => new MemberView(
                m.Address.ToString(),
                [.. m.Roles.OrderBy(r => r, StringComparer.Ordinal)],
                m.Status.ToString(),
                !unreachable.Contains(m.UniqueAddress),
                state.Leader is not null && m.Address.Equals(state.Leader),
                oldest is not null && m.UniqueAddress.Equals(oldest.UniqueAddress)))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToList();
        return new ClusterSnapshot(_cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, Incidents.Recent());
    }

    /// <inheritdoc />
    public BanksSnapshot GetBanks() => _banks();

    /// <summary>Turns cluster events into incidents.</summary>
    private sealed class IncidentRecorder : ReceiveActor
    {
        public IncidentRecorder(IncidentLog log)
        {
            Receive<ClusterEvent.UnreachableMember>(e => log.Add("unreachable", e.Member.Address.ToString(), "failure detector marked the member unreachable"));
            Receive<ClusterEvent.ReachableMember>(e => log.Add("reachable", e.Member.Address.ToString(), "member reachable again"));
            Receive<ClusterEvent.MemberDowned>(e => log.Add("downed", e.Member.Address.ToString(), "member downed (split brain resolver or manual down)"));
            Receive<ClusterEvent.MemberRemoved>(e => log.Add(
                e.PreviousStatus == MemberStatus.Down ? "removed-after-down" : "left",
                e.Member.Address.ToString(),
                $"member removed (was {e.PreviousStatus})"));
            ReceiveAny(_ => { });
        }
    }
}
