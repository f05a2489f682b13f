using System.Net;
using Akka.TestKit.Xunit2;
using Hfy.Experiments;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Results;
using Hfy.Coordinator.Tests.Experiments;
using Hfy.Experiments.Runner;
using Hfy.Web;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Engines;

namespace Hfy.Coordinator.Tests.Web;

/// <summary><c>POST /api/experiments/{id}/resume</c> and <c>hfy resume</c>: a failed experiment runs again from its stored cells, none twice.</summary>
public sealed class ResumeTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task FailedExperiment_Resumes_RunningOnlyTheMissingCells()
    {
        using var dir = new TempDir();
        var store = ResultsStore.Open(dir.Path);
        var runner = new ExperimentRunner(new LocalEngine(), store, new RunnerOptions(MaxConcurrentCells: 1));
        var id = runner.Submit(ExperimentSpec.Parse(ExperimentRunnerTests.SmallCapacity), SpecLimits.Default);
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            runner.RunAsync(id, new ExperimentRunnerTests.InlineProgress(p => { if (p.Done >= 5) cts.Cancel(); }), cts.Token));
        store.SetStatus(id, ExperimentStatus.Failed, "bank node lost");
        var before = store.CountCells(id);
        Assert.InRange(before, 5, 23);

        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ExperimentEnded));
        var engine = new CountingEngine(new LocalEngine());
        var manager = Sys.ActorOf(ExperimentManager.Props(engine, store, SpecLimits.Default));
        var service = new ManagerExperimentService(Sys, manager, store);
        await using var server = await WebServer.StartAsync(new WebOptions(), new FakeClusterView(), service, new FakeMetrics());
        using var client = new CoordinatorClient(server.Address, null);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a failed experiment is not resumed on its own

        await client.ResumeAsync(id, default);
        var ended = events.ExpectMsg<ExperimentEnded>(Wait);
        Assert.Equal((id, ExperimentStatus.Finished), (ended.ExperimentId, ended.Status));
        Assert.Equal(24, store.CountCells(id));
        Assert.Equal(24 - before, engine.Total);
        Assert.Null(store.GetExperiment(id)!.Error);

        // Finished and unknown experiments do not resume.
        var finished = await Assert.ThrowsAsync<CoordinatorClientException>(() => client.ResumeAsync(id, default));
        Assert.Equal($"experiment '{id}' is finished; only failed or cancelled experiments resume", finished.Message);
        Assert.Equal(2, finished.ExitCode);
        using var http = new HttpClient { BaseAddress = server.Address };
        using var missing = await http.PostAsync("api/experiments/nope/resume", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(24 - before, engine.Total);
    }
}
