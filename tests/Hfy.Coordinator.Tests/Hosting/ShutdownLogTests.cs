using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using Hfy.Coordinator.Engine;
using Hfy.Coordinator.Tests.Web;

namespace Hfy.Coordinator.Tests.Hosting;

/// <summary>Collects every log event of every actor system that names it in <c>akka.loggers</c>.</summary>
public sealed class CapturingLogger : ReceiveActor
{
    public static readonly ConcurrentQueue<LogEvent> Events = new();

    public CapturingLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Events.Enqueue);
    }
}

/// <summary>A normal stop of an embedded cluster (bank nodes leave, then the coordinator) logs no ERROR.</summary>
[Collection(WebClusterCollection.Name)]
public sealed class ShutdownLogTests
{
    [Fact]
    public async Task NormalStop_OfAnEmbeddedCluster_LogsNoError()
    {
        CapturingLogger.Events.Clear();
        var options = new EmbeddedClusterOptions
        {
            LogLevel = "INFO",
            ExtraHocon = $"akka.loggers = [\"{typeof(CapturingLogger).FullName}, {typeof(CapturingLogger).Assembly.GetName().Name}\"]",
        };
        var cluster = await EmbeddedCluster.StartAsync(2, options);
        Assert.Contains(CapturingLogger.Events, e => e.LogLevel() == LogLevel.InfoLevel); // the logger is wired

        // Partitions loaded and used: shard regions, handoff and remoting all have something to stop.
        var spec = new Hfy.Kernels.Storage.BankSpec("shutdown", 2000, 8, Hfy.Kernels.Storage.BankSourceKind.Gaussian, Seed: 3);
        await cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
        var queries = Hfy.Kernels.Storage.BankSources.ReadRows(spec, 0, 2);
        var retrieval = new Hfy.Kernels.Dynamics.RetrievalOptions(Hfy.Kernels.Maps.MapSpec.Sparsemax, 4, Steps: 2);
        var result = await cluster.Engine.RetrieveAsync("shutdown", queries, 2, retrieval, CancellationToken.None);
        Assert.Equal(2, result.Results.Length);
        var stopAt = DateTime.UtcNow;
        await cluster.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // late remoting errors of the stopped systems arrive here if any

        // Nor did any phase of coordinated shutdown time out (a stop that waits out a timeout is not an orderly one).
        Assert.DoesNotContain(CapturingLogger.Events, e => e.Message?.ToString()?.Contains("timed out", StringComparison.Ordinal) == true);
        // Each line says when it came relative to the stop (negative: while starting or working, before the stop).
        var errors = CapturingLogger.Events.Where(e => e.LogLevel() >= LogLevel.ErrorLevel)
            .Select(e => $"{(e.Timestamp - stopAt).TotalSeconds:+0.0;-0.0} s {e.LogSource}: {e.Message} {e.Cause?.GetType().Name}").ToList();
        Assert.True(errors.Count == 0, "ERROR lines at a normal stop:\n" + string.Join("\n", errors.Take(10)));
    }
    // Not reliable yet: on an idle clean clone, even in a test process of its own, the ShardCoordinator's remember-
    // entities store once timed out at the stop (ERROR "unable to get all shards state within 'waiting-for-state-timeout'"),
    // while `hfy demo` stopped with no ERROR in 7 of 7 runs by hand. CI does not run it (`.ci/run` filters
    // Stability=Manual); run it by hand with `dotnet test tests/Hfy.Coordinator.Tests -c Release --filter Stability=Manual`.
    [Fact]
    [Trait("Stability", "Manual")]
    public async Task NormalStop_AfterBanksWereCreatedAndDropped_OnThreeBankNodes_LogsNoError()
    {
        // `hfy demo`'s path: three bank nodes, several banks loaded, queried and dropped (their shards stay remembered),
        // then the cluster stopped. Before the regions handed off together, the remembered shards of the first node to
        // leave were allocated again and their remember-entities writes timed out: ERROR from the ShardCoordinator.
        CapturingLogger.Events.Clear();
        var options = new EmbeddedClusterOptions
        {
            LogLevel = "INFO",
            ExtraHocon = $"akka.loggers = [\"{typeof(CapturingLogger).FullName}, {typeof(CapturingLogger).Assembly.GetName().Name}\"]",
        };
        var cluster = await EmbeddedCluster.StartAsync(3, options);
        for (var b = 0; b < 4; b++)
        {
            var spec = new Hfy.Kernels.Storage.BankSpec($"dropped-{b}", 1000 * (b + 1), 8, Hfy.Kernels.Storage.BankSourceKind.Gaussian, Seed: (ulong)b);
            await cluster.Engine.CreateBankAsync(spec, CancellationToken.None);
            var queries = Hfy.Kernels.Storage.BankSources.ReadRows(spec, 0, 2);
            var retrieval = new Hfy.Kernels.Dynamics.RetrievalOptions(Hfy.Kernels.Maps.MapSpec.Sparsemax, 4, Steps: 2);
            Assert.Equal(2, (await cluster.Engine.RetrieveAsync(spec.Name, queries, 2, retrieval, CancellationToken.None)).Results.Length);
            await cluster.Engine.DropBankAsync(spec.Name, CancellationToken.None);
        }

        await cluster.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(7)); // past updating-state-timeout (5 s): a write left hanging at the stop reports here

        var errors = CapturingLogger.Events.Where(e => e.LogLevel() >= LogLevel.ErrorLevel)
            .Select(e => $"{e.LogSource}: {e.Message} {e.Cause?.GetType().Name}").ToList();
        Assert.True(errors.Count == 0, "ERROR lines at a normal stop:\n" + string.Join("\n", errors.Take(10)));
    }
}
