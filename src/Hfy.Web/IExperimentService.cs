namespace Hfy.Web;

/// <summary>What the web server needs from the experiment manager.</summary>
public interface IExperimentService
{
    /// <summary>Every experiment, newest first.</summary>
    IReadOnlyList<ExperimentView> List();

    /// <summary>One experiment, or null when the id is unknown.</summary>
    ExperimentView? Get(string id);

    /// <summary>
    /// Parses and validates a spec exactly as <c>hfy run</c> does and, when it is valid, stores and queues it.
    /// A refused spec creates nothing and lists every problem, one line each, naming the field and the rule.
    /// A submission carrying a <paramref name="requestId"/> already stored answers that experiment's id and creates nothing.
    /// </summary>
    Task<SubmitOutcome> SubmitAsync(string specJson, string? requestId, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a failed or cancelled experiment again; the resumed run computes only the cells not yet stored.
    /// Anything else (unknown id, queued, running, finished) changes nothing.
    /// </summary>
    Task<ResumeOutcome> ResumeAsync(string id, CancellationToken cancellationToken);

    /// <summary>The results of an experiment as JSON (the same document <c>hfy results ID --format json</c> writes), or null when the id is unknown.</summary>
    Task<string?> GetResultsJsonAsync(string id, CancellationToken cancellationToken);
}

/// <summary>What the web server reads about engine requests.</summary>
public interface IEngineMetricsSource
{
    /// <summary>Figures over the current window.</summary>
    EngineFigures Snapshot();
}
