using System.Collections.Concurrent;
using System.Text.Json;
using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>A cluster view with fixed members and banks that tests can change.</summary>
internal sealed class FakeClusterView : IClusterView
{
    public ClusterSnapshot Cluster { get; set; } = new(
        "akka.tcp://hfy@127.0.0.1:4053",
        "akka.tcp://hfy@127.0.0.1:4053",
        [
            new MemberView("akka.tcp://hfy@127.0.0.1:4053", ["coordinator"], "Up", true, true, true),
            new MemberView("akka.tcp://hfy@127.0.0.1:4054", ["bank"], "Up", true, false, false),
            new MemberView("akka.tcp://hfy@127.0.0.1:4055", ["bank"], "Up", false, false, false),
        ],
        [new IncidentView(DateTimeOffset.UnixEpoch, "unreachable", "akka.tcp://hfy@127.0.0.1:4055", "failure detector")]);

    public BanksSnapshot Banks { get; set; } = BanksSnapshot.FromBanks(
    [
        new BankView("b1", 300, 8,
        [
            new PartitionView(0, 0, 100, 3200, "akka.tcp://hfy@127.0.0.1:4054", "ready"),
            new PartitionView(1, 100, 100, 3200, "akka.tcp://hfy@127.0.0.1:4055", "ready"),
            new PartitionView(2, 200, 100, 3200, "akka.tcp://hfy@127.0.0.1:4054", "ready"),
        ]),
    ]);

    public ClusterSnapshot GetCluster() => Cluster;

    public BanksSnapshot GetBanks() => Banks;
}

/// <summary>An experiment service whose validator is a delegate; counts what it created.</summary>
internal sealed class FakeExperimentService(Func<string, IReadOnlyList<string>> validate) : IExperimentService
{
    private readonly ConcurrentDictionary<string, ExperimentView> _items = new();

    public int Created => _items.Count;

    public IReadOnlyList<ExperimentView> List() => [.. _items.Values.OrderByDescending(e => e.Created)];

    public ExperimentView? Get(string id) => _items.GetValueOrDefault(id);

    public Task<SubmitOutcome> SubmitAsync(string specJson, string? requestId, CancellationToken cancellationToken)
    {
        var problems = validate(specJson);
        if (problems.Count > 0)
        {
            return Task.FromResult(SubmitOutcome.Refused(problems));
        }

        var id = "e" + (_items.Count + 1);
        using var doc = JsonDocument.Parse(specJson);
        var name = doc.RootElement.TryGetProperty("name", out var n) ? n.GetString() ?? id : id;
        _items[id] = new ExperimentView(id, name, "capacity", "running", 10, 3, DateTimeOffset.UtcNow, 12, null,
            [new CapacitySeries("sparsemax", [new CapacityPoint(100, 1), new CapacityPoint(1000, 0.5)])]);
        return Task.FromResult(SubmitOutcome.Created(id));
    }

    public Task<ResumeOutcome> ResumeAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_items.TryGetValue(id, out var e) ? new ResumeOutcome(true, e.State) : new ResumeOutcome(false, null));

    public Task<string?> GetResultsJsonAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_items.ContainsKey(id) ? $"{{\"id\":\"{id}\",\"cells\":[]}}" : null);
}

/// <summary>Fixed engine figures.</summary>
internal sealed class FakeMetrics : IEngineMetricsSource
{
    public EngineFigures Value { get; set; } = new(42, 420, 2.5, 25, 12.5, 80, 1.25, 123_456);

    public EngineFigures Snapshot() => Value;
}
