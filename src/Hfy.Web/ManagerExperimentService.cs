using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Results;

namespace Hfy.Web;

/// <summary>
/// The web server's view of the experiment manager singleton. A submission is validated here with
/// <see cref="SpecValidator"/> (exactly as <c>hfy run</c> does) on a pool thread, stored in the results store (with
/// its client request id, so a retried submission finds the experiment it already created), and only then announced
/// to the manager with a Tell: the manager never validates, and the HTTP answer never waits for it. Listings and
/// results come from the store, live progress (ETA) from the <see cref="ExperimentProgress"/> events the manager
/// publishes. Without a manager (<c>hfy demo</c> runs its sweep itself) it only reads the store and refuses submissions.
/// </summary>
public sealed class ManagerExperimentService : IExperimentService
{
    private readonly IActorRef? _manager;
    private readonly ResultsStore _store;
    private readonly SpecLimits _limits;
    private readonly ConcurrentDictionary<string, ExperimentProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Done, IReadOnlyList<CapacitySeries> Curves)> _curves = new(StringComparer.Ordinal);

    /// <summary>
    /// A service over the manager (or its singleton proxy) and the store it writes, listening on <paramref name="system"/>'s
    /// event stream; with a null manager, a read-only view of the store.
    /// </summary>
    public ManagerExperimentService(ActorSystem? system, IActorRef? manager, ResultsStore store, SpecLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _manager = manager;
        _store = store;
        _limits = limits ?? SpecLimits.Default;
        if (system is null)
        {
            return;
        }

        var listener = system.ActorOf(Props.Create(() => new ProgressListener(_progress)), "hfy-web-progress-" + Guid.NewGuid().ToString("N")[..8]);
        system.EventStream.Subscribe(listener, typeof(ExperimentProgress));
        system.EventStream.Subscribe(listener, typeof(ExperimentEnded));
    }

    /// <inheritdoc />
    public IReadOnlyList<ExperimentView> List() => [.. _store.ListExperiments().Select(View)];

    /// <inheritdoc />
    public ExperimentView? Get(string id) => _store.GetExperiment(id) is { } record ? View(record) : null;

    /// <inheritdoc />
    public async Task<SubmitOutcome> SubmitAsync(string specJson, string? requestId, CancellationToken cancellationToken)
    {
        if (_manager is null)
        {
            return SubmitOutcome.Refused(["spec: this process runs its own experiment and accepts none; submit to an hfy coordinator (deploy/README.md)"]);
        }

        if (requestId is not null && _store.FindByRequestId(requestId) is { } earlier)
        {
            return SubmitOutcome.Created(earlier);
        }

        // Validation reads file headers and walks every grid value: a pool thread, never the manager's mailbox.
        var (spec, errors) = await Task.Run(() => SpecValidator.ParseAndValidate(specJson, _limits), cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0 || spec is null)
        {
            return SubmitOutcome.Refused([.. errors.Select(e => e.ToString())]);
        }

        var id = _store.CreateExperiment(spec, (int)GridExpansion.Count(spec), requestId);
        _manager.Tell(new EnqueueExperiment(id));
        return SubmitOutcome.Created(id);
    }

    /// <inheritdoc />
    public Task<ResumeOutcome> ResumeAsync(string id, CancellationToken cancellationToken)
    {
        if (_manager is null)
        {
            return Task.FromResult(new ResumeOutcome(false, _store.GetExperiment(id)?.Status));
        }

        var before = _store.Requeue(id);
        var resumed = before is ExperimentStatus.Failed or ExperimentStatus.Cancelled;
        if (resumed)
        {
            _manager.Tell(new EnqueueExperiment(id));
        }

        return Task.FromResult(new ResumeOutcome(resumed, before));
    }

    /// <inheritdoc />
    public Task<string?> GetResultsJsonAsync(string id, CancellationToken cancellationToken)
    {
        var record = _store.GetExperiment(id);
        return Task.FromResult(record is null ? null : ResultsExport.Json(record, _store.GetCells(id)));
    }

    private ExperimentView View(ExperimentRecord r)
    {
        var created = new DateTimeOffset(DateTime.SpecifyKind(r.CreatedUtc, DateTimeKind.Utc));
        double? eta = null;
        if (r.Status == ExperimentStatus.Running)
        {
            // The manager's own estimate when it published one; else the pace since submission.
            eta = _progress.GetValueOrDefault(r.Id)?.Eta?.TotalSeconds
                ?? (r.DoneCells > 0 ? (DateTimeOffset.UtcNow - created).TotalSeconds / r.DoneCells * (r.TotalCells - r.DoneCells) : null);
        }

        return new ExperimentView(r.Id, r.Name, r.Kind, r.Status, r.TotalCells, r.DoneCells, created, eta, r.Error, Curves(r));
    }

    /// <summary>Success (median over repeats) vs N per map, β, post-transform and noise; recomputed only when cells were added.</summary>
    private IReadOnlyList<CapacitySeries> Curves(ExperimentRecord r)
    {
        if (_curves.TryGetValue(r.Id, out var cached) && cached.Done == r.DoneCells)
        {
            return cached.Curves;
        }

        var rows = SummaryRow.Summarize(_store.GetCells(r.Id));
        var manyNoise = rows.Select(x => x.Noise).Distinct().Count() > 1;
        var manyPost = rows.Select(x => x.Post).Distinct().Count() > 1;
        var manyBeta = rows.Select(x => x.Beta).Distinct().Count() > 1;
        var curves = rows
            .GroupBy(x => (x.Map, x.Beta, x.Post, x.Noise))
            .Select(g => new CapacitySeries(
                Label(g.Key.Map, g.Key.Beta, g.Key.Post, g.Key.Noise, manyBeta, manyPost, manyNoise),
                [.. g.OrderBy(x => x.N).Select(x => new CapacityPoint(x.N, x.Median))]))
            .ToList();
        _curves[r.Id] = (r.DoneCells, curves);
        return curves;
    }

    private static string Label(string map, double beta, string post, double noise, bool withBeta, bool withPost, bool withNoise)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string> { map };
        if (withBeta) parts.Add(string.Create(inv, $"β={beta:G4}"));
        if (withPost) parts.Add(post);
        if (withNoise) parts.Add(string.Create(inv, $"σ={noise:G4}"));
        return string.Join(", ", parts);
    }

    /// <summary>Keeps the latest progress per experiment.</summary>
    private sealed class ProgressListener : ReceiveActor
    {
        public ProgressListener(ConcurrentDictionary<string, ExperimentProgress> progress)
        {
            Receive<ExperimentProgress>(p => progress[p.ExperimentId] = p);
            Receive<ExperimentEnded>(e => progress.TryRemove(e.ExperimentId, out _));
        }
    }
}
