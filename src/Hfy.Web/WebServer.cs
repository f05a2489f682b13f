using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using HttpResults = Microsoft.AspNetCore.Http.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hfy.Web;

/// <summary>
/// The coordinator's HTTP server (Kestrel): the JSON API under <c>/api/</c>, server-sent events for the dashboard,
/// Prometheus metrics at <c>/metrics</c>, and the dashboard page itself.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    /// <summary>The request header that makes a submission idempotent: a retry with the same key answers the same experiment.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Longest accepted <see cref="IdempotencyHeader"/> value.</summary>
    public const int MaxRequestIdLength = 128;

    /// <summary>JSON as the API writes it: camelCase, enums as strings, through the source-generated <see cref="WebJsonContext"/>.</summary>
    public static JsonSerializerOptions Json => WebJsonContext.Default.Options;

    /// <summary>How long a browser waits before it reconnects a dropped event stream.</summary>
    private static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly IClusterView _cluster;
    private readonly IExperimentService _experiments;
    private readonly IEngineMetricsSource _metrics;
    private readonly ChangeSignal _changes;
    private readonly MetricsHistory _history;
    private readonly PrometheusExporter _prometheus;

    private WebServer(WebApplication app, WebOptions options, string? token, IClusterView cluster, IExperimentService experiments, IEngineMetricsSource metrics,
        ChangeSignal changes)
    {
        _app = app;
        Options = options;
        Token = token;
        _cluster = cluster;
        _experiments = experiments;
        _metrics = metrics;
        _changes = changes;
        _history = new MetricsHistory(metrics, options.HistoryInterval, options.HistoryWindow);
        _prometheus = new PrometheusExporter(Snapshot);
    }

    /// <summary>The options it was started with.</summary>
    public WebOptions Options { get; }

    /// <summary>The bearer token API calls must carry, or null when none is required.</summary>
    public string? Token { get; }

    /// <summary>True when the token was generated here (and should be printed for the user).</summary>
    public bool TokenGenerated { get; private init; }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:5080/</c>.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The dashboard link; it carries the token in the fragment (never sent to servers or logs).</summary>
    public string DashboardUrl => Token is null ? Address.ToString() : $"{Address}#token={Uri.EscapeDataString(Token)}";

    /// <summary>Starts listening. Fails with <see cref="ArgumentException"/> on unusable options.</summary>
    /// <param name="options">Where to listen and how to protect it.</param>
    /// <param name="cluster">Members and banks.</param>
    /// <param name="experiments">Experiments, submissions and results.</param>
    /// <param name="metrics">Engine figures (also sampled into the history from now on).</param>
    /// <param name="changes">Signalled by the sources when what they show changes: the event stream pushes at once.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<WebServer> StartAsync(
        WebOptions options,
        IClusterView cluster,
        IExperimentService experiments,
        IEngineMetricsSource metrics,
        ChangeSignal? changes = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(experiments);
        ArgumentNullException.ThrowIfNull(metrics);
        var problem = options.Validate();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var generated = options.RequiresToken && options.Token is null;
        var token = options.RequiresToken ? options.Token ?? WebOptions.NewToken() : null;
        var endpoint = await ResolveAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "hfy",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxSpecBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Listen(endpoint);
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<BearerTokenOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, o => o.Token = token);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(BearerTokenHandler.PolicyName, p => p.AddAuthenticationSchemes(BearerTokenHandler.SchemeName).RequireAuthenticatedUser())
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(BearerTokenHandler.SchemeName).RequireAuthenticatedUser().Build());

        var app = builder.Build();
        var server = new WebServer(app, options, token, cluster, experiments, metrics, changes ?? new ChangeSignal()) { TokenGenerated = generated };
        server.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return server;
    }

    /// <summary>Everything the dashboard shows, as of now.</summary>
    public DashboardSnapshot Snapshot() =>
        new(DateTimeOffset.UtcNow, _cluster.GetCluster(), _cluster.GetBanks(), _experiments.List(), _metrics.Snapshot());

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Open event streams that did not end in time are cut; nothing else is pending.
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        await _history.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<IPEndPoint> ResolveAsync(string host, int port, CancellationToken cancellationToken)
    {
        var h = host.Trim().Trim('[', ']');
        if (h.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(h, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(h, cancellationToken).ConfigureAwait(false);
        return addresses.Length == 0
            ? throw new ArgumentException($"http host: '{host}' does not resolve to an address", nameof(host))
            : new IPEndPoint(addresses.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).First(), port);
    }

    private void Map(WebApplication app)
    {
        app.Use(SecurityHeaders);
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();

        // The page and its scripts hold no data: public. Everything else falls under the fallback policy.
        app.MapGet("/", () => Asset("index.html")).AllowAnonymous();
        app.MapGet("/{*path}", (string path) => Asset(path)).AllowAnonymous();

        app.MapGet("/api/cluster", () => TypedResults.Json(_cluster.GetCluster(), WebJsonContext.Default.ClusterSnapshot));
        app.MapGet("/api/banks", () => TypedResults.Json(_cluster.GetBanks(), WebJsonContext.Default.BanksSnapshot));
        app.MapGet("/api/snapshot", () => TypedResults.Json(Snapshot(), WebJsonContext.Default.DashboardSnapshot));
        app.MapGet("/api/experiments", () => TypedResults.Json(_experiments.List(), WebJsonContext.Default.IReadOnlyListExperimentView));
        app.MapGet("/api/experiments/{id}", (string id) =>
            _experiments.Get(id) is { } e ? TypedResults.Json(e, WebJsonContext.Default.ExperimentView) : NotFound(id));
        app.MapGet("/api/experiments/{id}/results", async (string id, CancellationToken ct) =>
            await _experiments.GetResultsJsonAsync(id, ct).ConfigureAwait(false) is { } json
                ? HttpResults.Text(json, "application/json; charset=utf-8", Encoding.UTF8)
                : NotFound(id));
        app.MapPost("/api/experiments", (Func<HttpContext, Task<IResult>>)Submit);
        app.MapPost("/api/experiments/{id}/resume", async (string id, CancellationToken ct) =>
        {
            var outcome = await _experiments.ResumeAsync(id, ct).ConfigureAwait(false);
            if (outcome.Status is null) return NotFound(id);
            if (!outcome.Resumed)
            {
                return Error(StatusCodes.Status409Conflict, $"experiment '{id}' is {outcome.Status}; only failed or cancelled experiments resume");
            }

            var location = $"/api/experiments/{Uri.EscapeDataString(id)}";
            return TypedResults.Json(new SubmitResponse(id, location), WebJsonContext.Default.SubmitResponse, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/history", () => TypedResults.Json(_history.Points(), WebJsonContext.Default.IReadOnlyListMetricsPoint));

        // The page's first data as a script: a script the page inserts delays its load event until it has run (a
        // fetch does not), so whatever waits for load (a headless screenshot, a crawler) sees data, not "loading…".
        app.MapGet("/api/boot.js", () => HttpResults.Text(
            "window.hfyBoot = " + JsonSerializer.Serialize(new DashboardBoot(_history.Points(), Snapshot()), WebJsonContext.Default.DashboardBoot) + ";\n",
            "text/javascript; charset=utf-8",
            Encoding.UTF8)).WithMetadata(new QueryTokenAllowedAttribute());
        app.MapGet("/api/events", Events).WithMetadata(new QueryTokenAllowedAttribute());
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = PrometheusExporter.ContentType;
            await _prometheus.WriteAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
        });

        // No MapFallback: a known path with the wrong method ends in routing's 405 with an Allow header.
    }

    /// <summary>The endpoints this server maps (for tests that walk every route).</summary>
    internal IReadOnlyList<Endpoint> Endpoints =>
        [.. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints];

    private static IResult Asset(string path)
    {
        var stream = StaticAssets.Open(path, out var contentType);
        return stream is null
            ? Error(StatusCodes.Status404NotFound, $"no such file: /{path}")
            : HttpResults.Stream(stream, contentType);
    }

    private static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"experiment '{id}' not found");

    /// <summary>An RFC 9457 problem document: <c>detail</c> is the one-line reason.</summary>
    private static IResult Error(int status, string message) =>
        HttpResults.Problem(detail: message, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status));

    /// <summary>A refused spec: 400 with every problem under its field path (<c>errors</c>, RFC 9457 validation problem).</summary>
    private static IResult Refused(IReadOnlyList<string> problems)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (field, message) in problems.Select(SplitProblem))
        {
            errors[field] = errors.TryGetValue(field, out var list) ? [.. list, message] : [message];
        }

        return HttpResults.ValidationProblem(errors, detail: $"spec refused: {problems.Count} problem(s)", title: "spec refused");
    }

    private static (string Field, string Message) SplitProblem(string problem)
    {
        var i = problem.IndexOf(": ", StringComparison.Ordinal);
        return i <= 0 ? ("spec", problem) : (problem[..i], problem[(i + 2)..]);
    }

    /// <summary>Response headers for every answer: no sniffing, no caching, and a strict policy for the page.</summary>
    private static Task SecurityHeaders(HttpContext ctx, RequestDelegate next)
    {
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        return next(ctx);
    }

    private async Task<IResult> Submit(HttpContext ctx)
    {
        var limit = Options.MaxSpecBytes;
        if (ctx.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        var requestId = ctx.Request.Headers[IdempotencyHeader].ToString();
        if (requestId.Length > 0 && !ValidRequestId(requestId))
        {
            return Refused([$"{IdempotencyHeader}: must be 1..{MaxRequestIdLength} printable ASCII characters without spaces"]);
        }

        string body;
        try
        {
            body = await ReadLimitedAsync(ctx.Request.Body, limit, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
        catch (InvalidDataException)
        {
            return TooLarge(limit);
        }
        catch (DecoderFallbackException)
        {
            return Refused(["spec: request body is not UTF-8 text"]);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return Refused(["spec: request body is empty (send the experiment spec as JSON)"]);
        }

        try
        {
            using var _ = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1}" : "";
            return Refused([$"spec: not valid JSON{where}"]);
        }

        var outcome = await _experiments.SubmitAsync(body, requestId.Length == 0 ? null : requestId, ctx.RequestAborted).ConfigureAwait(false);
        if (!outcome.Accepted)
        {
            return Refused(outcome.Problems);
        }

        var location = $"/api/experiments/{Uri.EscapeDataString(outcome.Id!)}";
        ctx.Response.Headers.Location = location;
        return TypedResults.Json(new SubmitResponse(outcome.Id!, location), WebJsonContext.Default.SubmitResponse, statusCode: StatusCodes.Status202Accepted);
    }

    private static bool ValidRequestId(string id) =>
        id.Length <= MaxRequestIdLength && id.All(c => c is > ' ' and <= '~');

    private static IResult TooLarge(long limit) =>
        Error(StatusCodes.Status413PayloadTooLarge, $"spec refused: request body larger than the limit of {limit} bytes");

    private static async Task<string> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new InvalidDataException("body too large");
            }

            buffer.Write(chunk, 0, read);
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Server-sent events (ASP.NET Core's own result): one <c>snapshot</c> event right away, then one every
    /// <see cref="WebOptions.EventInterval"/> and one whenever a source signals a change; the stream ends when the
    /// client goes away or the server stops.
    /// </summary>
    private IResult Events(HttpContext ctx)
    {
        var lifetime = ctx.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        return TypedResults.ServerSentEvents(SnapshotEvents(lifetime.ApplicationStopping, ctx.RequestAborted));
    }

    private async IAsyncEnumerable<SseItem<string>> SnapshotEvents(CancellationToken stopping, [EnumeratorCancellation] CancellationToken aborted = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var ct = cts.Token;
        using var timer = new PeriodicTimer(Options.EventInterval);
        var tick = timer.WaitForNextTickAsync(ct).AsTask();
        while (!ct.IsCancellationRequested)
        {
            var changed = _changes.Next;
            yield return new SseItem<string>(JsonSerializer.Serialize(Snapshot(), WebJsonContext.Default.DashboardSnapshot), "snapshot") { ReconnectionInterval = ReconnectAfter };
            try
            {
                if (await Task.WhenAny(tick, changed.WaitAsync(ct)).ConfigureAwait(false) == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        yield break;
                    }

                    tick = timer.WaitForNextTickAsync(ct).AsTask();
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away or the server is stopping.
                yield break;
            }
        }
    }

}
