using Akka.Actor;
using Akka.Dispatch;
using Hfy.Actors.Cluster;
using Hfy.Actors.Retrieval;

namespace Hfy.Actors.Tests.Cluster;

public sealed class HfyConfigTests
{
    [Fact]
    public void Config_CarriesRolesSeedsSbrShardingAndTheNumericDispatcher()
    {
        var settings = new HfyNodeSettings("hfy", "0.0.0.0", 4053, "node-1.example", ["akka.tcp://hfy@seed:4053"], [HfyRoles.Bank])
        {
            NumericThreads = 3,
        };
        var c = HfyConfig.Build(settings);

        Assert.Equal("cluster", c.GetString("akka.actor.provider"));
        Assert.Equal(4053, c.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("node-1.example", c.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(["akka.tcp://hfy@seed:4053"], c.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal([HfyRoles.Bank], c.GetStringList("akka.cluster.roles"));
        Assert.Equal("Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster", c.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", c.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("ddata", c.GetString("akka.cluster.sharding.state-store-mode"));
        Assert.True(c.GetBoolean("akka.cluster.sharding.remember-entities"));
        Assert.Equal(3, c.GetInt(HfyConfig.NumericDispatcher + ".dedicated-thread-pool.thread-count"));
        Assert.Equal("hfy", c.GetString("akka.actor.serialization-bindings.\"Hfy.Actors.Protocol.IHfyMessage, Hfy.Actors\""));
    }

    [Fact]
    public void FrameSize_HoldsTheLargestMessageTheProtocolMayProduce()
    {
        var c = HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Coordinator));
        var frame = c.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size");
        Assert.Equal(HfyConfig.MaximumFrameBytes, frame);
        Assert.True(new RetrievalSettings().MaxMessageBytes < frame);
        Assert.True(c.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size") >= 1024 * 1024);
    }

    /// <summary>
    /// A node's app version is the engine's, whatever process hosts it: here the test host, whose own (entry assembly)
    /// version is Akka's default and differs from hfy's. Shard allocation prefers the highest version and rebalances
    /// only when all versions agree, so a host-dependent version pinned every shard to the nodes first registered.
    /// </summary>
    [Fact]
    public async Task AppVersion_IsTheEngineVersion_NotTheHostProcessVersion()
    {
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Version?.ToString();
        Assert.NotEqual(HfyConfig.EngineVersion, entry);
        using var system = ActorSystem.Create("hfy", HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank)));
        try
        {
            Assert.Equal(Akka.Util.AppVersion.Create(HfyConfig.EngineVersion), Akka.Cluster.Cluster.Get(system).SelfMember.AppVersion);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void NumericDispatcher_LeavesACoreForHeartbeats()
    {
        var s = HfyNodeSettings.Loopback(HfyRoles.Bank);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), s.NumericThreads);
    }

    /// <summary>
    /// Heartbeats and remoting must not queue behind work on the .NET thread pool (a kernel run or batched scoring
    /// in the same process): their dispatchers run on dedicated threads; the default dispatcher (the control) does not.
    /// </summary>
    [Theory]
    [InlineData("akka.actor.internal-dispatcher", false)]
    [InlineData("akka.remote.default-remote-dispatcher", false)]
    [InlineData(HfyConfig.NumericDispatcher, false)]
    [InlineData("akka.actor.default-dispatcher", true)]
    public async Task Dispatchers_OfClusterInternals_RunOffTheThreadPool(string dispatcher, bool onThreadPool)
    {
        using var system = ActorSystem.Create("hfy", HfyConfig.Build(HfyNodeSettings.Loopback(HfyRoles.Bank)));
        var ran = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.Dispatchers.Lookup(dispatcher).Schedule(new ActionRunnable(() => ran.SetResult(Thread.CurrentThread.IsThreadPoolThread)));
        Assert.Equal(onThreadPool, await ran.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("akka.actor.internal-dispatcher", system.Settings.Config.GetString("akka.cluster.use-dispatcher"));
        await system.Terminate();
    }

    [Fact]
    public void BadPort_IsRejectedNamingTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => HfyConfig.Build(HfyNodeSettings.Loopback() with { Port = 70000 }));
        Assert.Contains("port", e.Message, StringComparison.Ordinal);
    }
}
