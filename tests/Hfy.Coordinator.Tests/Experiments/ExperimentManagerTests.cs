using Akka.Actor;
using Akka.TestKit.Xunit2;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;

namespace Hfy.Coordinator.Tests.Experiments;

public class ExperimentManagerTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Submit_RunsTheExperiment_AndPublishesProgressAndEnd()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var progress = CreateTestProbe();
        Sys.EventStream.Subscribe(progress.Ref, typeof(ExperimentProgress));
        var manager = Sys.ActorOf(ExperimentManager.Props(new LocalEngine(), store, SpecLimits.Default));

        manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
        var accepted = ExpectMsg<ExperimentAccepted>(Wait);
        Assert.Equal(24, accepted.TotalCells);
        var ended = events.ExpectMsg<ExperimentEnded>(Wait);
        Assert.Equal((accepted.ExperimentId, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
        Assert.Equal(24, store.CountCells(accepted.ExperimentId));
        var first = progress.ExpectMsg<ExperimentProgress>(Wait);
        Assert.Equal(0, first.Done);

        manager.Tell(new GetExperiment(accepted.ExperimentId), TestActor);
        var info = ExpectMsg<ExperimentInfo>(Wait);
        Assert.Equal(ExperimentStatus.Finished, info.Record!.Status);
        Assert.Equal(24, info.Progress!.Done);
    }

    [Fact]
    public void Submit_RunsARecallExperiment_ToTheStore()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var manager = Sys.ActorOf(ExperimentManager.Props(new LocalEngine(), store, SpecLimits.Default));

        manager.Tell(new SubmitExperiment(RecallCellTests.SmallSequentialRecall), TestActor);
        var accepted = ExpectMsg<ExperimentAccepted>(Wait);
        Assert.Equal(16, accepted.TotalCells);
        var ended = events.ExpectMsg<ExperimentEnded>(Wait);
        Assert.Equal((accepted.ExperimentId, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
        var cells = store.GetCells(accepted.ExperimentId);
        Assert.Equal(16, cells.Count);
        Assert.All(cells, c => Assert.NotNull(c.Metrics.LevenshteinCoefficient));
    }

    [Fact]
    public void InvalidSpec_IsRejected_WithEveryError()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var manager = Sys.ActorOf(ExperimentManager.Props(new LocalEngine(), store, SpecLimits.Default));
        var bad = ExperimentRunnerTests.SmallCapacity
            .Replace("\"repeats\": 2", "\"repeats\": 0", StringComparison.Ordinal)
            .Replace("\"alpha\": 1.5", "\"alpha\": 0.5", StringComparison.Ordinal);
        manager.Tell(new SubmitExperiment(bad), TestActor);
        var rejected = ExpectMsg<ExperimentRejected>(Wait);
        Assert.Equal(["grid.maps[2].alpha", "grid.repeats"], rejected.Errors.Select(e => e.Path));
        manager.Tell(ListExperiments.Instance, TestActor);
        Assert.Empty(ExpectMsg<ExperimentList>(Wait).Experiments);
    }

    [Fact]
    public async Task NewManager_ResumesAnInterruptedExperiment_RunningOnlyTheMissingCells()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new LocalEngine(), store, new RunnerOptions(MaxConcurrentCells: 1));
        var id = runner.Submit(ExperimentSpec.Parse(ExperimentRunnerTests.SmallCapacity), SpecLimits.Default);
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            runner.RunAsync(id, new ExperimentRunnerTests.InlineProgress(p => { if (p.Done >= 7) cts.Cancel(); }), cts.Token));
        var before = store.CountCells(id);
        Assert.InRange(before, 7, 23);

        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var engine = new CountingEngine(new LocalEngine());
        Sys.ActorOf(ExperimentManager.Props(engine, ResultsStore.Open(dir.Path), SpecLimits.Default));
        var ended = events.ExpectMsg<ExperimentEnded>(Wait);
        Assert.Equal((id, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
        Assert.Equal(24, store.CountCells(id));
        Assert.Equal(24 - before, engine.Total);
    }

    [Fact]
    public async Task Cancel_StopsAQueuedExperiment()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        // The first experiment is held after its first retrieval, so the second is still queued when it is cancelled
        // (without the gate a fast machine finished the first before the cancel arrived, and the second ran).
        var gated = new GatedEngine(new LocalEngine(), open: 1, failOnCancel: false);
        var manager = Sys.ActorOf(ExperimentManager.Props(gated, store, SpecLimits.Default));
        manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
        var first = ExpectMsg<ExperimentAccepted>(Wait);
        manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
        var second = ExpectMsg<ExperimentAccepted>(Wait);
        await gated.Held.Task.WaitAsync(Wait);
        manager.Tell(new CancelExperiment(second.ExperimentId), TestActor);
        Assert.True(ExpectMsg<ExperimentCancelled>(Wait).Found);
        gated.Release();
        var ends = new[] { events.ExpectMsg<ExperimentEnded>(Wait), events.ExpectMsg<ExperimentEnded>(Wait) };
        Assert.Contains(ends, e => e.ExperimentId == second.ExperimentId && e.Status == ExperimentStatus.Cancelled);
        Assert.Contains(ends, e => e.ExperimentId == first.ExperimentId && e.Status == ExperimentStatus.Finished);
        Assert.Equal(ExperimentStatus.Cancelled, store.GetExperiment(second.ExperimentId)!.Status);
        Assert.Equal(0, store.CountCells(second.ExperimentId));
    }
    [Fact]
    public async Task CancelledRun_IsNotResumed_WhenTheManagerDiesBeforeTheRunStops()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        // The run is held inside a retrieval that ignores cancellation: the cancel cannot end it before the manager dies.
        var gated = new GatedEngine(new LocalEngine(), open: 3, failOnCancel: false);
        var manager = Sys.ActorOf(ExperimentManager.Props(gated, store, SpecLimits.Default));
        try
        {
            manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
            var cancelled = ExpectMsg<ExperimentAccepted>(Wait).ExperimentId;
            await gated.Held.Task.WaitAsync(Wait);
            manager.Tell(new CancelExperiment(cancelled), TestActor);
            Assert.True(ExpectMsg<ExperimentCancelled>(Wait).Found);
            Watch(manager);
            Sys.Stop(manager);
            ExpectTerminated(manager, Wait);

            // The next manager runs only what is still queued: a second experiment, not the cancelled one.
            var next = Sys.ActorOf(ExperimentManager.Props(new LocalEngine(), ResultsStore.Open(dir.Path), SpecLimits.Default));
            next.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
            var second = ExpectMsg<ExperimentAccepted>(Wait).ExperimentId;
            var ended = events.ExpectMsg<ExperimentEnded>(Wait);
            Assert.Equal((second, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
            Assert.Equal(ExperimentStatus.Cancelled, store.GetExperiment(cancelled)!.Status);
        }
        finally
        {
            gated.Release();
        }
    }

    [Fact]
    public async Task CoordinatedShutdown_PausesTheRun_AndTheNextManagerFinishesIt_RunningOnlyTheMissingCells()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        // The held retrieval fails (not cancels) once cancelled, as one on a shard region stopped by the shutdown.
        var gated = new GatedEngine(new LocalEngine(), open: 5, failOnCancel: true);
        var node = ActorSystem.Create("stopping-coordinator");
        string id;
        try
        {
            var manager = node.ActorOf(ExperimentManager.Props(gated, store, SpecLimits.Default));
            id = (await manager.Ask<ExperimentAccepted>(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), Wait)).ExperimentId;
            await gated.Held.Task.WaitAsync(Wait);
            await CoordinatedShutdown.Get(node).Run(CoordinatedShutdown.ClrExitReason.Instance).WaitAsync(Wait);
        }
        finally
        {
            gated.Release();
            await node.Terminate();
        }

        // Not failed: the experiment waits in the store for the next coordinator.
        Assert.Contains(store.GetExperiment(id)!.Status, new[] { ExperimentStatus.Queued, ExperimentStatus.Running });
        var before = store.GetCellKeys(id);
        Assert.InRange(before.Count, 1, 23);

        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var engine = new CountingEngine(new LocalEngine());
        Sys.ActorOf(ExperimentManager.Props(engine, ResultsStore.Open(dir.Path), SpecLimits.Default));
        var ended = events.ExpectMsg<ExperimentEnded>(Wait);
        Assert.Equal((id, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
        Assert.Equal(24, store.CountCells(id));
        Assert.Equal(24 - before.Count, engine.Total);
    }
    [Fact]
    public void RunCancelledFromInside_Fails_AndTheQueueGoesOn()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var manager = Sys.ActorOf(ExperimentManager.Props(new CancellingEngine(new LocalEngine()), store, SpecLimits.Default));
        manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
        var first = ExpectMsg<ExperimentAccepted>(Wait).ExperimentId;
        manager.Tell(new SubmitExperiment(ExperimentRunnerTests.SmallCapacity), TestActor);
        var second = ExpectMsg<ExperimentAccepted>(Wait).ExperimentId;

        // Neither counts as finished, nor does the first one hold up the second.
        foreach (var id in new[] { first, second })
        {
            var ended = events.ExpectMsg<ExperimentEnded>(Wait);
            Assert.Equal((id, ExperimentStatus.Failed), (ended.ExperimentId, ended.Status));
            Assert.Contains("cancelled from inside", ended.Error, StringComparison.Ordinal);
            Assert.Equal(ExperimentStatus.Failed, store.GetExperiment(id)!.Status);
        }
    }

    /// <summary>Every retrieval ends in a cancellation nobody asked for (as an inner timeout may surface).</summary>
    private sealed class CancellingEngine(IRetrievalEngine inner) : IRetrievalEngine
    {
        public Task CreateBankAsync(Hfy.Kernels.Storage.BankSpec spec, CancellationToken cancellationToken) => inner.CreateBankAsync(spec, cancellationToken);

        public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => inner.DropBankAsync(bankName, cancellationToken);

        public Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch,
            Hfy.Kernels.Dynamics.RetrievalOptions options, CancellationToken cancellationToken) =>
            throw new TaskCanceledException("inner timeout");

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
