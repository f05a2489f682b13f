namespace Hfy.Actors.Cluster;

/// <summary>
/// What one node of an Hfy cluster needs to know to start: where it listens, how others reach it, whom it
/// joins and which roles it plays. <see cref="HfyConfig.Build"/> turns it into the node's HOCON.
/// </summary>
/// <param name="SystemName">Actor system name; every node of one cluster uses the same name.</param>
/// <param name="Hostname">Address the transport binds to (e.g. 0.0.0.0 or 127.0.0.1).</param>
/// <param name="Port">TCP port; 0 picks a free port (read the bound address back from the system).</param>
/// <param name="PublicHostname">Address other nodes use to reach this one (null: same as <paramref name="Hostname"/>).</param>
/// <param name="Seeds">Seed node addresses (<c>akka.tcp://hfy@host:port</c>); empty: join manually.</param>
/// <param name="Roles">Cluster roles (<see cref="HfyRoles"/>).</param>
public sealed record HfyNodeSettings(
    string SystemName,
    string Hostname,
    int Port,
    string? PublicHostname,
    IReadOnlyList<string> Seeds,
    IReadOnlyList<string> Roles)
{
    /// <summary>Default actor system name.</summary>
    public const string DefaultSystemName = "hfy";

    /// <summary>Threads of the numeric dispatcher: one fewer than the cores, at least one (heartbeats keep a core).</summary>
    public int NumericThreads { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Force every message through its serializer, also between local actors (tests).</summary>
    public bool SerializeAllMessages { get; init; }

    /// <summary>Split brain resolver: how long membership must be stable before unreachable nodes are downed.</summary>
    public TimeSpan DowningStableAfter { get; init; } = TimeSpan.FromSeconds(7);

    /// <summary>Failure detector: heartbeat pause tolerated before a node is marked unreachable.</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Log level of the actor system (ERROR, WARNING, INFO, DEBUG).</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>A node on 127.0.0.1 with an automatic port (embedded clusters, tests).</summary>
    public static HfyNodeSettings Loopback(params string[] roles) =>
        new(DefaultSystemName, "127.0.0.1", 0, null, [], roles);
}
