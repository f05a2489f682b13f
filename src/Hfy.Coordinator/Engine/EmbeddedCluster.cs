using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Hfy.Actors.Cluster;
using Hfy.Actors.Partitions;

namespace Hfy.Coordinator.Engine;

/// <summary>Settings of an <see cref="EmbeddedCluster"/>.</summary>
public sealed record EmbeddedClusterOptions
{
    /// <summary>Force every message through the serializer, also locally (tests).</summary>
    public bool SerializeAllMessages { get; init; }

    /// <summary>Numeric dispatcher threads per bank node (default: max(1, cores − 1) / bank nodes, at least 1).</summary>
    public int? NumericThreadsPerNode { get; init; }

    /// <summary>Engine settings (partitions per bank, retrieval limits).</summary>
    public ClusterEngineOptions Engine { get; init; } = new();

    /// <summary>How long to wait for every node to be Up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Actor system log level.</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>Extra HOCON applied to every node (overrides).</summary>
    public string? ExtraHocon { get; init; }
}

/// <summary>
/// Several actor systems in one process joined into one cluster over 127.0.0.1 with automatic ports, so
/// the real remoting, sharding and serialization paths run: one <c>coordinator</c> node hosting the
/// <see cref="ClusterEngine"/>, and N <c>bank</c> nodes hosting the partitions.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly ActorSystem?[] _banks;

    private EmbeddedCluster(ActorSystem coordinator, ActorSystem?[] banks, IActorRef region, ClusterEngineOptions engineOptions)
    {
        Coordinator = coordinator;
        Region = region;
        _banks = banks;
        Engine = new ClusterEngine(coordinator, region, engineOptions);
    }

    /// <summary>The coordinator node.</summary>
    public ActorSystem Coordinator { get; }

    /// <summary>The partition region proxy on the coordinator node (for further engines with other settings).</summary>
    public IActorRef Region { get; }

    /// <summary>The engine on the coordinator node.</summary>
    public ClusterEngine Engine { get; }

    /// <summary>Bank nodes; null once stopped.</summary>
    public IReadOnlyList<ActorSystem?> BankNodes => _banks;

    /// <summary>Starts a coordinator and <paramref name="bankNodes"/> bank nodes and waits until all are Up.</summary>
    public static async Task<EmbeddedCluster> StartAsync(int bankNodes, EmbeddedClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (bankNodes < 1) throw new ArgumentException($"bank nodes: must be ≥ 1 (got {bankNodes})", nameof(bankNodes));
        options ??= new EmbeddedClusterOptions();
        var threads = options.NumericThreadsPerNode ?? Math.Max(1, (Environment.ProcessorCount - 1) / bankNodes);
        var name = HfyNodeSettings.DefaultSystemName;

        var coordinator = ActorSystem.Create(name, NodeConfig(options, threads, HfyRoles.Coordinator));
        var banks = new ActorSystem?[bankNodes];
        try
        {
            var seed = ((ExtendedActorSystem)coordinator).Provider.DefaultAddress;
            var seedCluster = Cluster.Get(coordinator);
            await seedCluster.JoinAsync(seed, cancellationToken).WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            var joins = new List<Task>();
            for (var i = 0; i < bankNodes; i++)
            {
                banks[i] = ActorSystem.Create(name, NodeConfig(options, threads, HfyRoles.Bank));
                joins.Add(Cluster.Get(banks[i]!).JoinAsync(seed, cancellationToken));
            }

            await Task.WhenAll(joins).WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            await WaitUntilAsync(() => seedCluster.State.Members.Count(m => m.Status == MemberStatus.Up) == bankNodes + 1, options.StartTimeout, cancellationToken)
                .ConfigureAwait(false);
            foreach (var bank in banks) PartitionSharding.StartRegion(bank!);
            var region = PartitionSharding.StartProxy(coordinator);
            // Every bank region registered with the shard coordinator before the first bank is placed: a shard stays
            // where it was first allocated until a rebalance moves it, so a region that registered late got no
            // partitions of the first banks for tens of seconds (a 2-node test saw every partition on one node).
            await WaitForRegionsAsync(region, bankNodes, options.StartTimeout, cancellationToken).ConfigureAwait(false);
            return new EmbeddedCluster(coordinator, banks, region, options.Engine);
        }
        catch
        {
            await Task.WhenAll(banks.Where(b => b is not null).Select(b => b!.Terminate()).Append(coordinator.Terminate())).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops bank node <paramref name="index"/>: gracefully (leave, shards hand off to the survivors) or abruptly
    /// (no leave: the others see it unreachable and the split brain resolver downs it).
    /// </summary>
    public async Task StopNodeAsync(int index, bool abrupt = false)
    {
        if (index < 0 || index >= _banks.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"index: must be in 0..{_banks.Length - 1}");
        var system = _banks[index] ?? throw new InvalidOperationException($"bank node {index} is already stopped");
        _banks[index] = null;
        if (abrupt)
        {
            // Cut the node off without leaving: terminate skips coordinated shutdown's cluster-leave phases.
            await system.Terminate().ConfigureAwait(false);
        }
        else
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
            await system.WhenTerminated.ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync().ConfigureAwait(false);
        // Bank nodes leave, youngest first, then the coordinator, each through coordinated shutdown (see ClusterLeave.StopAsync).
        // Youngest by cluster age, not by index: the bank nodes join at once and come Up in any order, and the oldest
        // one holds the sharding coordinator, which must not move to a node that is leaving too (its remember-entities
        // writes then timed out: ERROR lines at the end of `hfy demo`).
        var banks = _banks.Where(b => b is not null).Select(b => (System: b!, Self: Cluster.Get(b!).SelfMember)).ToList();
        banks.Sort((x, y) => x.Self.IsOlderThan(y.Self) ? 1 : y.Self.IsOlderThan(x.Self) ? -1 : 0);
        // First every bank region hands its partitions off at once, while every node is still a member: a region
        // that stopped alone had its remembered shards allocated again to a node that was about to leave, and those
        // writes (remember-entities, all bank nodes must answer) timed out once it left: ERROR lines at the end of
        // `hfy demo`. With every region shutting down the sharding coordinator allocates nothing.
        try
        {
            await Task.WhenAll(banks.Select(b => ClusterSharding.Get(b.System).ShardRegion(PartitionSharding.TypeName)
                .GracefulStop(ClusterLeave.LeaveTimeout, GracefulShutdown.Instance))).ConfigureAwait(false);
        }
        catch (TaskCanceledException)
        {
            // A region that did not stop in time stops with its node below.
        }

        await ClusterLeave.StopAsync(banks.Select(b => b.System), Coordinator).ConfigureAwait(false);
        for (var i = 0; i < _banks.Length; i++) _banks[i] = null;
    }

    private static Config NodeConfig(EmbeddedClusterOptions options, int threads, string role)
    {
        var settings = HfyNodeSettings.Loopback(role) with
        {
            NumericThreads = threads,
            SerializeAllMessages = options.SerializeAllMessages,
            LogLevel = options.LogLevel,
            // Loopback nodes share one process: a failure is a stop, not a network partition, so down it quickly.
            DowningStableAfter = TimeSpan.FromSeconds(3),
        };
        // Terminate without leaving (StopNodeAsync's abrupt mode); a graceful stop runs coordinated shutdown explicitly.
        var config = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off")
            .WithFallback(HfyConfig.Build(settings));
        return options.ExtraHocon is null ? config : ConfigurationFactory.ParseString(options.ExtraHocon).WithFallback(config);
    }

    private static async Task WaitForRegionsAsync(IActorRef region, int bankNodes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"embedded cluster: {bankNodes} bank regions not registered within {timeout}");
            try
            {
                var regions = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, remaining < TimeSpan.FromSeconds(5) ? remaining : TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (regions.Regions.Count >= bankNodes) return;
            }
            catch (AskTimeoutException)
            {
                // The shard coordinator is still starting; the deadline above ends the wait.
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"embedded cluster: members not Up within {timeout}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
