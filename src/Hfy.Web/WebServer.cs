using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
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
    /// <summary>JSON as the API writes it: camelCase, enums as strings.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly WebApplication _app;
    private readonly IClusterView _cluster;
    private readonly IExperimentService _experiments;
    private readonly IEngineMetricsSource _metrics;

    private WebServer(WebApplication app, WebOptions options, string? token, IClusterView cluster, IExperimentService experiments, IEngineMetricsSource metrics)
    {
        _app = app;
        Options = options;
        Token = token;
        _cluster = cluster;
        _experiments = experiments;
        _metrics = metrics;
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
    public static async Task<WebServer> StartAsync(
        WebOptions options,
        IClusterView cluster,
        IExperimentService experiments,
        IEngineMetricsSource metrics,
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

        var app = builder.Build();
        var server = new WebServer(app, options, token, cluster, experiments, metrics) { TokenGenerated = generated };
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
        app.Use(Guard);

        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/{*path}", (string path) => Asset(path));

        app.MapGet("/api/cluster", () => HttpResults.Json(_cluster.GetCluster(), Json));
        app.MapGet("/api/banks", () => HttpResults.Json(_cluster.GetBanks(), Json));
        app.MapGet("/api/snapshot", () => HttpResults.Json(Snapshot(), Json));
        app.MapGet("/api/experiments", () => HttpResults.Json(_experiments.List(), Json));
        app.MapGet("/api/experiments/{id}", (string id) =>
            _experiments.Get(id) is { } e ? HttpResults.Json(e, Json) : NotFound(id));
        app.MapGet("/api/experiments/{id}/results", async (string id, CancellationToken ct) =>
            await _experiments.GetResultsJsonAsync(id, ct).ConfigureAwait(false) is { } json
                ? HttpResults.Text(json, "application/json; charset=utf-8", Encoding.UTF8)
                : NotFound(id));
        app.MapPost("/api/experiments", (Func<HttpContext, Task<IResult>>)Submit);
        app.MapGet("/api/events", Events);
        app.MapGet("/metrics", () => HttpResults.Text(PrometheusText.Format(Snapshot()), PrometheusText.ContentType, Encoding.UTF8));
        app.MapFallback((HttpContext ctx) => Error(StatusCodes.Status404NotFound, $"no such endpoint: {ctx.Request.Method} {ctx.Request.Path}"));
    }

    private static IResult Asset(string path)
    {
        var stream = StaticAssets.Open(path, out var contentType);
        return stream is null
            ? Error(StatusCodes.Status404NotFound, $"no such file: /{path}")
            : HttpResults.Stream(stream, contentType);
    }

    private static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"experiment '{id}' not found");

    private static IResult Error(int status, string message, IReadOnlyList<string>? problems = null) =>
        HttpResults.Json(new ApiError(message, problems ?? []), Json, statusCode: status);

    /// <summary>Bearer-token check for the API, the event stream and the metrics; the page and its scripts are public.</summary>
    private async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        var path = ctx.Request.Path;
        var protectedPath = path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);
        if (Token is not null && protectedPath && !Authorized(ctx))
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            await Error(StatusCodes.Status401Unauthorized, "unauthorized: this coordinator requires 'Authorization: Bearer <token>' (the token printed at its start, or HFY_TOKEN)")
                .ExecuteAsync(ctx).ConfigureAwait(false);
            return;
        }

        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        ctx.Response.Headers.CacheControl = "no-store";
        if (!protectedPath)
        {
            ctx.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        }

        await next(ctx).ConfigureAwait(false);
    }

    private bool Authorized(HttpContext ctx)
    {
        var presented = (string?)null;
        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = header["Bearer ".Length..].Trim();
        }
        else if (ctx.Request.Path.StartsWithSegments("/api/events", StringComparison.Ordinal))
        {
            // EventSource cannot set headers: the event stream alone also accepts the token as a query parameter.
            presented = ctx.Request.Query["access_token"].ToString();
        }

        return !string.IsNullOrEmpty(presented)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Token!));
    }

    private async Task<IResult> Submit(HttpContext ctx)
    {
        var limit = Options.MaxSpecBytes;
        if (ctx.Request.ContentLength > limit)
        {
            return TooLarge(limit);
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
            return Error(StatusCodes.Status400BadRequest, "spec refused: request body is not UTF-8 text", ["spec: request body is not UTF-8 text"]);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return Error(StatusCodes.Status400BadRequest, "spec refused: request body is empty", ["spec: request body is empty (send the experiment spec as JSON)"]);
        }

        try
        {
            using var _ = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1}" : "";
            return Error(StatusCodes.Status400BadRequest, "spec refused: not valid JSON", [$"spec: not valid JSON{where}"]);
        }

        var outcome = await _experiments.SubmitAsync(body, ctx.RequestAborted).ConfigureAwait(false);
        if (!outcome.Accepted)
        {
            return Error(StatusCodes.Status400BadRequest, $"spec refused: {outcome.Problems.Count} problem(s)", outcome.Problems);
        }

        var location = $"/api/experiments/{Uri.EscapeDataString(outcome.Id!)}";
        return HttpResults.Json(new SubmitResponse(outcome.Id!, location), Json, statusCode: StatusCodes.Status201Created);
    }

    private static IResult TooLarge(long limit) =>
        Error(StatusCodes.Status413PayloadTooLarge, $"spec refused: request body larger than {limit} bytes", [$"spec: larger than the limit of {limit} bytes"]);

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

    /// <summary>Server-sent events: one <c>snapshot</c> event right away, then one every <see cref="WebOptions.EventInterval"/>.</summary>
    private async Task Events(HttpContext ctx)
    {
        var lifetime = ctx.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
        var ct = cts.Token;
        ctx.Response.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await ctx.Response.WriteAsync("retry: 2000\n\n", ct).ConfigureAwait(false);
            using var timer = new PeriodicTimer(Options.EventInterval);
            do
            {
                var json = JsonSerializer.Serialize(Snapshot(), Json);
                await ctx.Response.WriteAsync($"event: snapshot\ndata: {json}\n\n", ct).ConfigureAwait(false);
                await ctx.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
    }

    private sealed record ApiError(string Error, IReadOnlyList<string> Problems);

    private sealed record SubmitResponse(string Id, string Location);
}
