using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Exponential;
using Hfy.Experiments.Results;
using Hfy.Kernels.Theory;

namespace Hfy.Web;

/// <summary>
/// The web server's view of the experiment manager singleton. A submission is validated here with
/// <see cref="SpecValidator"/> (exactly as <c>hfy run</c> does) on a pool thread, stored in the results store (with
/// its client request id, so a retried submission finds the experiment it already created), and only then announced
/// to the manager with a Tell: the manager never validates, and the HTTP answer never waits for it. Listings and
/// results come from the store, and so does each experiment's pace (<see cref="ExperimentPace"/>, from its own cells'
/// times); the <see cref="ExperimentProgress"/> events the manager publishes only make the event stream push at once. Without a manager (<c>hfy demo</c> runs its sweep itself) it only reads the store and refuses submissions.
/// </summary>
public sealed class ManagerExperimentService : IExperimentService
{
    private readonly IActorRef? _manager;
    private readonly ResultsStore _store;
    private readonly SpecLimits _limits;
    private const string ExponentialKind = "exponential";
    private const int TheoryPoints = 60;

    private readonly ConcurrentDictionary<string, Summary> _summaries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _runStarted = new(StringComparer.Ordinal);
    private readonly PaceOptions _pace;
    private readonly TimeProvider _time;

    /// <summary>
    /// A service over the manager (or its singleton proxy) and the store it writes, listening on <paramref name="system"/>'s
    /// event stream; with a null manager, a read-only view of the store.
    /// </summary>
    /// <param name="system">The coordinator's actor system, whose event stream carries the manager's progress; null without one.</param>
    /// <param name="manager">The manager or its singleton proxy; null for a read-only view.</param>
    /// <param name="store">The results store the manager writes.</param>
    /// <param name="limits">What a submitted spec may ask for.</param>
    /// <param name="pace">The stall rule; <see cref="PaceOptions.Default"/> when null.</param>
    /// <param name="changes">Signalled whenever a cell is stored or an experiment ends (the event stream pushes then).</param>
    /// <param name="time">The clock (tests); the system clock when null.</param>
    public ManagerExperimentService(ActorSystem? system, IActorRef? manager, ResultsStore store, SpecLimits? limits = null,
        PaceOptions? pace = null, ChangeSignal? changes = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _manager = manager;
        _store = store;
        _limits = limits ?? SpecLimits.Default;
        _pace = pace ?? PaceOptions.Default;
        _time = time ?? TimeProvider.System;
        if (system is null || changes is null)
        {
            return;
        }

        var listener = system.ActorOf(Props.Create(() => new ProgressListener(changes, _runStarted, _time)), "hfy-web-progress-" + Guid.NewGuid().ToString("N")[..8]);
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
        var c = Cached(r);
        var pace = ExperimentPace.Of(c.Times, r.TotalCells, r.Status == ExperimentStatus.Running, _time.GetUtcNow(), _pace, _runStarted.GetValueOrDefault(r.Id));
        return new ExperimentView(r.Id, r.Name, r.Kind, r.Status, r.TotalCells, r.DoneCells, created, pace.EtaSeconds, r.Error, c.Curves,
            pace.CellsPerMinute, pace.Stalled, pace.LastCellAt, c.Theory, c.XAxis);
    }

    /// <summary>Curves, theory and cell times of an experiment; recomputed only when cells were added.</summary>
    private Summary Cached(ExperimentRecord r)
    {
        if (_summaries.TryGetValue(r.Id, out var cached) && cached.Done == r.DoneCells)
        {
            return cached;
        }

        var cells = _store.GetCells(r.Id);
        var times = cells.Select(x => (Utc(x.StartedUtc), Utc(x.FinishedUtc))).ToArray();
        var summary = r.Kind == ExponentialKind
            ? ExponentialCurves(r.DoneCells, cells, times)
            : new Summary(r.DoneCells, CapacityCurves(cells), [], CapacityAxis.Patterns, times);
        _summaries[r.Id] = summary;
        return summary;
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>Success (median over repeats) vs N per map, β, post-transform and noise.</summary>
    private static IReadOnlyList<CapacitySeries> CapacityCurves(IReadOnlyList<CellRecord> cells)
    {
        var rows = SummaryRow.Summarize(cells);
        var manyNoise = rows.Select(x => x.Noise).Distinct().Count() > 1;
        var manyPost = rows.Select(x => x.Post).Distinct().Count() > 1;
        var manyBeta = rows.Select(x => x.Beta).Distinct().Count() > 1;
        return [.. rows
            .GroupBy(x => (x.Map, x.Beta, x.Post, x.Noise))
            .Select(g => new CapacitySeries(
                Label(g.Key.Map, g.Key.Beta, g.Key.Post, g.Key.Noise, manyBeta, manyPost, manyNoise),
                [.. g.OrderBy(x => x.N).Select(x => new CapacityPoint(x.N, x.Median))]))];
    }

    /// <summary>
    /// An exponential experiment: success against the load α = ln P / N per (map, β_net, N or P, φ₀), and beside each
    /// series started at the pattern itself (φ₀ = 1) what docs/math.md §16–§17 predict: for the sparse maps the exact
    /// finite-N probability that the pattern is returned in one step, P(one-hot) at P = e^{αN}; for softmax the
    /// large-N step at the critical load α_c(β_net).
    /// </summary>
    private static Summary ExponentialCurves(int done, IReadOnlyList<CellRecord> cells, IReadOnlyList<(DateTimeOffset, DateTimeOffset)> times)
    {
        var metrics = ExponentialReport.Metrics(cells);
        if (metrics.Count == 0)
        {
            return new Summary(done, [], [], CapacityAxis.Load, times);
        }

        var groups = ExponentialReport.Groups(metrics);
        var ramp = ExponentialReport.IsRamp(groups);
        var binary = metrics[0].Ensemble == "binary";
        var manyStarts = groups.Select(g => g.Start).Distinct().Count() > 1;
        var inv = CultureInfo.InvariantCulture;
        var curves = new List<CapacitySeries>();
        var theory = new List<CapacitySeries>();
        foreach (var g in groups.GroupBy(g => (g.Map, g.BetaNet, Size: ramp ? g.Patterns : g.Dim, g.Start)))
        {
            var size = ramp ? string.Create(inv, $"P={g.Key.Size}") : string.Create(inv, $"N={g.Key.Size}");
            var label = string.Create(inv, $"{g.Key.Map}, β_net={g.Key.BetaNet:G4}, {size}") + (manyStarts ? string.Create(inv, $", φ₀={g.Key.Start:G3}") : "");
            var points = g.OrderBy(x => x.AlphaEff).ToList();
            curves.Add(new CapacitySeries(label, [.. points.Select(x => new CapacityPoint(x.AlphaEff, x.Rate))]));
            if (g.Key.Start < 1)
            {
                continue;
            }

            var lo = points[0].AlphaEff;
            var hi = points[^1].AlphaEff;
            if (points[0].Margin is { } margin)
            {
                var curve = new List<CapacityPoint>(TheoryPoints);
                for (var i = 0; i < TheoryPoints && hi > 0; i++)
                {
                    var alpha = Math.Max(lo, 1e-3) + (hi - Math.Max(lo, 1e-3)) * i / (TheoryPoints - 1);
                    var n = ramp ? (int)Math.Round(Math.Log(g.Key.Size) / alpha) : (int)g.Key.Size;
                    var patterns = ramp ? g.Key.Size : Math.Exp(alpha * n);
                    if (n >= 2 && patterns >= 2)
                    {
                        curve.Add(new CapacityPoint(alpha, ExponentialCapacity.OneHotProbability(n, patterns, g.Key.BetaNet, margin, binary)));
                    }
                }

                theory.Add(new CapacitySeries("theory P(one-hot): " + label, curve));
            }
            else
            {
                var critical = ExponentialCapacity.CriticalLoad(g.Key.BetaNet);
                theory.Add(new CapacitySeries(string.Create(inv, $"theory α_c={critical:G3}: ") + label,
                    [new(Math.Min(lo, critical), 1), new(critical, 1), new(critical, 0), new(Math.Max(hi, critical), 0)]));
            }
        }

        return new Summary(done, curves, theory, CapacityAxis.Load, times);
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

    private sealed record Summary(int Done, IReadOnlyList<CapacitySeries> Curves, IReadOnlyList<CapacitySeries> Theory, string XAxis,
        IReadOnlyList<(DateTimeOffset Started, DateTimeOffset Finished)> Times);

    /// <summary>
    /// Notes when each run started (now − the progress' elapsed time) for the pace, and tells the event stream to push
    /// when a cell is stored or an experiment ends.
    /// </summary>
    private sealed class ProgressListener : ReceiveActor
    {
        public ProgressListener(ChangeSignal changes, ConcurrentDictionary<string, DateTimeOffset?> runStarted, TimeProvider time)
        {
            Receive<ExperimentProgress>(p =>
            {
                runStarted.TryAdd(p.ExperimentId, time.GetUtcNow() - p.Elapsed);
                changes.Notify();
            });
            Receive<ExperimentEnded>(e =>
            {
                runStarted.TryRemove(e.ExperimentId, out _);
                changes.Notify();
            });
        }
    }
}
