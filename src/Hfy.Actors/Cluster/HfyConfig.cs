using System.Globalization;
using System.Text;
using Akka.Configuration;
using Hfy.Actors.Serialization;

namespace Hfy.Actors.Cluster;

/// <summary>
/// The one place where an Hfy node's HOCON is written: remoting (frame size and buffers sized for the
/// largest protocol message), cluster (roles, seeds, failure detector, keep-majority split brain
/// resolver), sharding (ddata state store, remember-entities), the numeric dispatcher and the serializer.
/// </summary>
public static class HfyConfig
{
    /// <summary>Id of the dispatcher that partition actors run their numeric work on.</summary>
    public const string NumericDispatcher = "hfy-numeric-dispatcher";

    /// <summary>Remote transport frame limit. Hfy.Actors.Retrieval.ProtocolLimits keeps every message below it.</summary>
    public const int MaximumFrameBytes = 16 * 1024 * 1024;

    /// <summary>Socket send and receive buffers: large enough to hold a few maximal frames in flight.</summary>
    public const int SocketBufferBytes = 4 * 1024 * 1024;

    /// <summary>Builds the configuration of one node from its settings.</summary>
    public static Config Build(HfyNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.SystemName)) throw new ArgumentException("system name must not be empty", nameof(settings));
        if (settings.Port is < 0 or > 65535) throw new ArgumentException($"port: must be in 0..65535 (got {settings.Port})", nameof(settings));
        if (settings.NumericThreads < 1) throw new ArgumentException($"numeric threads: must be ≥ 1 (got {settings.NumericThreads})", nameof(settings));

        var inv = CultureInfo.InvariantCulture;
        var publicHost = settings.PublicHostname ?? settings.Hostname;
        var seeds = string.Join(", ", settings.Seeds.Select(Quote));
        var roles = string.Join(", ", settings.Roles.Select(Quote));
        var sb = new StringBuilder();
        sb.Append(inv, $$"""
            akka {
              loglevel = {{settings.LogLevel}}
              # The stdout logger only runs before the loggers start and after they stop: at termination it printed the
              # cluster's last sends to peers ("Remoting is not running") as errors with stack traces.
              stdout-loglevel = OFF
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                serialize-messages = {{(settings.SerializeAllMessages ? "on" : "off")}}
                serializers {
                  hfy = "{{typeof(HfySerializer).FullName}}, {{typeof(HfySerializer).Assembly.GetName().Name}}"
                  hfy-node-local = "{{typeof(NodeLocalSerializer).FullName}}, {{typeof(NodeLocalSerializer).Assembly.GetName().Name}}"
                }
                serialization-bindings {
                  "Hfy.Actors.Protocol.IHfyMessage, Hfy.Actors" = hfy
                  # Two node-local Akka messages with no binding of their own that JSON cannot rebuild (see
                  # NodeLocalSerializer): without these, serialize-messages = on stalls remember-entities
                  # and hides reachability changes from the split brain resolver.
                  "{{NodeLocalSerializer.BoundTypeNames[0]}}" = hfy-node-local
                  "{{NodeLocalSerializer.BoundTypeNames[1]}}" = hfy-node-local
                }
                serialization-identifiers {
                  "{{typeof(HfySerializer).FullName}}, {{typeof(HfySerializer).Assembly.GetName().Name}}" = {{HfySerializer.SerializerId}}
                  "{{typeof(NodeLocalSerializer).FullName}}, {{typeof(NodeLocalSerializer).Assembly.GetName().Name}}" = {{NodeLocalSerializer.SerializerId}}
                }
              }
              remote {
                log-remote-lifecycle-events = off
                dot-netty.tcp {
                  hostname = {{Quote(settings.Hostname)}}
                  public-hostname = {{Quote(publicHost)}}
                  port = {{settings.Port}}
                  maximum-frame-size = {{MaximumFrameBytes}}b
                  send-buffer-size = {{SocketBufferBytes}}b
                  receive-buffer-size = {{SocketBufferBytes}}b
                }
                # A loaded 2-core machine pauses threads for seconds; do not quarantine over it.
                watch-failure-detector.acceptable-heartbeat-pause = {{Seconds(settings.AcceptableHeartbeatPause * 2)}}
                transport-failure-detector.acceptable-heartbeat-pause = {{Seconds(settings.AcceptableHeartbeatPause * 2)}}
              }
              cluster {
                seed-nodes = [{{seeds}}]
                roles = [{{roles}}]
                log-info = off
                # The engine's version, not Akka's default (the entry assembly's): every host of this engine (hfy, a
                # test host, an embedding application) reports the same version, so shard allocation and rebalancing
                # treat its nodes alike. With a test host beside hfy processes the host's higher version stopped every
                # rebalance, and shards first allocated before its region registered never reached it.
                app-version = "{{EngineVersion}}"
                failure-detector {
                  heartbeat-interval = 1s
                  threshold = 12.0
                  acceptable-heartbeat-pause = {{Seconds(settings.AcceptableHeartbeatPause)}}
                }
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = {{Seconds(settings.DowningStableAfter)}}
                }
                sharding {
                  state-store-mode = ddata
                  remember-entities = on
                  remember-entities-store = ddata
                  # Partitions rebuild from the bank spec; nothing needs to survive a full restart on disk.
                  distributed-data.durable.keys = []
                  rebalance-interval = 5s
                  retry-interval = 500ms
                  waiting-for-state-timeout = 2s
                  updating-state-timeout = 5s
                  entity-restart-backoff = 1s
                  shard-failure-backoff = 2s
                  coordinator-failure-backoff = 2s
                  handoff-timeout = 20s
                  least-shard-allocation-strategy.rebalance-absolute-limit = 20
                }
              }
              coordinated-shutdown.exit-clr = off
            }
            # Cluster heartbeats, gossip and the remoting endpoints on threads of their own: on the .NET thread pool
            # (Akka's default) they queued behind long Parallel.For work (a kernel run in the same process, the
            # partitions' batched scoring) for 16 s on a 2-core machine, and the split brain resolver downed healthy nodes.
            akka.actor.internal-dispatcher {
              type = ForkJoinDispatcher
              throughput = 5
              dedicated-thread-pool {
                thread-count = 2
                threadtype = background
              }
            }
            akka.remote.default-remote-dispatcher {
              type = ForkJoinDispatcher
              throughput = 10
              dedicated-thread-pool {
                thread-count = 2
                threadtype = background
              }
            }
            akka.cluster.use-dispatcher = akka.actor.internal-dispatcher
            {{NumericDispatcher}} {
              type = ForkJoinDispatcher
              throughput = 4
              dedicated-thread-pool {
                thread-count = {{settings.NumericThreads}}
                threadtype = background
              }
            }
            """);
        // The sharding, singleton and ddata serializers must be known before the first remote message arrives, not
        // only once ClusterSharding.Get runs on this node (a coordinator node got sharding messages it could not read).
        return ConfigurationFactory.ParseString(sb.ToString())
            .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>The engine's version as Akka's app-version: this assembly's major.minor.build (Akka takes three parts).</summary>
    internal static string EngineVersion { get; } = typeof(HfyConfig).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}" : "1.0.0";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
