using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;

namespace Hfy.Web;

/// <summary>
/// The cluster view of one actor system (the coordinator's): members, their status and reachability and the leader as
/// Akka.Cluster's membership and reachability events report them (kept here rather than read from
/// <see cref="Cluster.State"/>, so a snapshot taken when an event arrives already shows it), incidents from the same
/// events, banks from a supplier given by the engine.
/// </summary>
public sealed class AkkaClusterView : IClusterView
{
    private readonly Cluster _cluster;
    private readonly Func<BanksSnapshot> _banks;
    private readonly ChangeSignal? _changes;
    private View _view = new(ImmutableDictionary<UniqueAddress, Member>.Empty, ImmutableHashSet<UniqueAddress>.Empty, null);

    /// <summary>Starts listening to <paramref name="system"/>'s cluster events.</summary>
    /// <param name="system">The coordinator's actor system (cluster provider).</param>
    /// <param name="banks">Reads banks and partitions from the engine; empty when null.</param>
    /// <param name="incidents">Where incidents go; a new log when null. The engine may add partition incidents to it.</param>
    /// <param name="changes">Signalled on every membership, reachability or leader change.</param>
    public AkkaClusterView(ActorSystem system, Func<BanksSnapshot>? banks = null, IncidentLog? incidents = null, ChangeSignal? changes = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        _cluster = Cluster.Get(system);
        _banks = banks ?? (() => BanksSnapshot.Empty);
        _changes = changes;
        Incidents = incidents ?? new IncidentLog();
        var recorder = system.ActorOf(Props.Create(() => new Recorder(this)), "hfy-web-members-" + Guid.NewGuid().ToString("N")[..8]);
        _cluster.Subscribe(
            recorder,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent),
            typeof(ClusterEvent.IReachabilityEvent),
            typeof(ClusterEvent.LeaderChanged));
    }

    /// <summary>The incident log this view fills.</summary>
    public IncidentLog Incidents { get; }

    /// <inheritdoc />
    public ClusterSnapshot GetCluster()
    {
        var view = Volatile.Read(ref _view);
        Member? oldest = null;
        foreach (var m in view.Members.Values)
        {
            if (m.Status == MemberStatus.Up && (oldest is null || m.IsOlderThan(oldest)))
            {
                oldest = m;
            }
        }

        var members = view.Members.Values
            .Select(m => new MemberView(
                m.Address.ToString(),
                [.. m.Roles.OrderBy(r => r, StringComparer.Ordinal)],
                m.Status.ToString(),
                !view.Unreachable.Contains(m.UniqueAddress),
                view.Leader is not null && m.Address.Equals(view.Leader),
                oldest is not null && m.UniqueAddress.Equals(oldest.UniqueAddress)))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToList();
        return new ClusterSnapshot(_cluster.SelfAddress.ToString(), view.Leader?.ToString(), members, Incidents.Recent());
    }

    /// <inheritdoc />
    public BanksSnapshot GetBanks() => _banks();

    private void Update(Func<View, View> change)
    {
        // Only the recorder actor writes, one message at a time; readers take the whole immutable view.
        Volatile.Write(ref _view, change(Volatile.Read(ref _view)));
        _changes?.Notify();
    }

    /// <summary>
    /// Sets a member's entry. Not SetItem: Member equality is by address only, so SetItem keeps the old entry (and its
    /// old status) when the same member changes status.
    /// </summary>
    private static ImmutableDictionary<UniqueAddress, Member> Put(ImmutableDictionary<UniqueAddress, Member> members, Member m) =>
        members.Remove(m.UniqueAddress).Add(m.UniqueAddress, m);

    private sealed record View(ImmutableDictionary<UniqueAddress, Member> Members, ImmutableHashSet<UniqueAddress> Unreachable, Address? Leader);

    /// <summary>Keeps the members from cluster events and turns the events into incidents.</summary>
    private sealed class Recorder : ReceiveActor
    {
        public Recorder(AkkaClusterView owner)
        {
            var log = owner.Incidents;
            Receive<ClusterEvent.CurrentClusterState>(s => owner.Update(_ => new View(
                s.Members.ToImmutableDictionary(m => m.UniqueAddress),
                s.Unreachable.Select(m => m.UniqueAddress).ToImmutableHashSet(),
                s.Leader)));
            Receive<ClusterEvent.LeaderChanged>(e => owner.Update(v => v with { Leader = e.Leader }));
            Receive<ClusterEvent.UnreachableMember>(e =>
            {
                owner.Update(v => v with { Members = Put(v.Members, e.Member), Unreachable = v.Unreachable.Add(e.Member.UniqueAddress) });
                log.Add("unreachable", e.Member.Address.ToString(), "failure detector marked the member unreachable");
            });
            Receive<ClusterEvent.ReachableMember>(e =>
            {
                owner.Update(v => v with { Unreachable = v.Unreachable.Remove(e.Member.UniqueAddress) });
                log.Add("reachable", e.Member.Address.ToString(), "member reachable again");
            });
            Receive<ClusterEvent.MemberRemoved>(e =>
            {
                owner.Update(v => v with { Members = v.Members.Remove(e.Member.UniqueAddress), Unreachable = v.Unreachable.Remove(e.Member.UniqueAddress) });
                log.Add(
                    e.PreviousStatus == MemberStatus.Down ? "removed-after-down" : "left",
                    e.Member.Address.ToString(),
                    $"member removed (was {e.PreviousStatus})");
            });
            Receive<ClusterEvent.IMemberEvent>(e =>
            {
                owner.Update(v => v with { Members = Put(v.Members, e.Member) });
                if (e is ClusterEvent.MemberDowned)
                {
                    log.Add("downed", e.Member.Address.ToString(), "member downed (split brain resolver or manual down)");
                }
            });
            ReceiveAny(_ => { });
        }
    }
}
