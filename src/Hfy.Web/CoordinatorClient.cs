using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Hfy.Web;

/// <summary>A failed call to a coordinator, with the exit code the CLI should end with.</summary>
public sealed class CoordinatorClientException : Exception
{
    /// <summary>A failure; <paramref name="problems"/> lists a refused spec's problems.</summary>
    public CoordinatorClientException(string message, int exitCode, IReadOnlyList<string>? problems = null)
        : base(message)
    {
        ExitCode = exitCode;
        Problems = problems ?? [];
    }

    /// <summary>2 for what the user can fix (bad spec, wrong token, unknown id), 1 otherwise.</summary>
    public int ExitCode { get; }

    /// <summary>Every problem of a refused spec, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>True when the same request may succeed if sent again (unreachable, timed out, 5xx).</summary>
    public bool Retryable { get; init; }
}

/// <summary>The coordinator's JSON API over HTTP, for <c>hfy submit</c>, <c>hfy status</c> and <c>hfy results</c>.</summary>
public sealed class CoordinatorClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client for the coordinator at <paramref name="baseAddress"/>, sending <paramref name="token"/> when given.</summary>
    public CoordinatorClient(Uri baseAddress, string? token, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"coordinator: must be an http:// or https:// URL (got '{baseAddress}')", nameof(baseAddress));
        }

        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = BaseAddress;
        _http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The coordinator's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Parses a <c>--coordinator</c> value; a bare <c>host:port</c> means http.</summary>
    public static Uri ParseAddress(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var t = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        return Uri.TryCreate(t, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"coordinator: '{text}' is not an http(s) URL", nameof(text));
    }

    /// <summary>Attempts a submission makes when the coordinator cannot be reached, times out or fails (5xx).</summary>
    public const int SubmitAttempts = 3;

    /// <summary>Pause between submission attempts.</summary>
    public static readonly TimeSpan SubmitRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Submits a spec; returns the experiment's id. Every attempt carries the same <c>Idempotency-Key</c>
    /// (<paramref name="requestId"/>, or a fresh one), so a retry after a lost answer finds the experiment the
    /// first attempt created instead of creating a second one.
    /// </summary>
    public async Task<string> SubmitAsync(string specJson, CancellationToken cancellationToken, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(specJson);
        var key = requestId ?? Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new StringContent(specJson, Encoding.UTF8, "application/json");
                using var doc = await SendAsync(HttpMethod.Post, "api/experiments", content, cancellationToken, key).ConfigureAwait(false);
                return doc.RootElement.TryGetProperty("id", out var id) && id.GetString() is { } text
                    ? text
                    : throw new CoordinatorClientException("coordinator: answer without an experiment id", 1);
            }
            catch (CoordinatorClientException e) when (e.Retryable && attempt < SubmitAttempts)
            {
                await Task.Delay(SubmitRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Queues a failed or cancelled experiment again (it resumes from its stored cells).</summary>
    public async Task ResumeAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        using var doc = await SendAsync(HttpMethod.Post, $"api/experiments/{Uri.EscapeDataString(id)}/resume", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs an API path (relative, e.g. <c>api/cluster</c>) and returns its JSON.</summary>
    public Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? requestId = null)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            if (requestId is not null)
            {
                request.Headers.Add(WebServer.IdempotencyHeader, requestId);
            }

            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CoordinatorClientException($"coordinator: cannot reach {BaseAddress} ({e.HttpRequestError}: {FirstLine(e.Message)})", 1) { Retryable = true };
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinatorClientException($"coordinator: {BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s", 1) { Retryable = true };
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return JsonDocument.Parse(body);
                }
                catch (JsonException)
                {
                    throw new CoordinatorClientException($"coordinator: {BaseAddress} answered {path} with something that is not JSON (is it an hfy coordinator?)", 1);
                }
            }

            var (message, problems) = ReadError(body);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new CoordinatorClientException(
                    "coordinator: unauthorized (401): pass --token TOKEN or set HFY_TOKEN to the token the coordinator printed at start", 2),
                HttpStatusCode.RequestEntityTooLarge => new CoordinatorClientException(
                    $"spec too large (limit {LimitOf(message) ?? "set by the coordinator"})", 2, problems),
                HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.Conflict => new CoordinatorClientException(
                    message ?? $"coordinator: {(int)response.StatusCode} {response.ReasonPhrase}", 2, problems),
                _ => new CoordinatorClientException(
                    $"coordinator: {(int)response.StatusCode} {response.ReasonPhrase}{(message is null ? "" : ": " + message)}", 1, problems)
                {
                    Retryable = (int)response.StatusCode >= 500,
                },
            };
        }
    }

    /// <summary>"N bytes" from a 413 detail such as "… larger than the limit of 4096 bytes", or null.</summary>
    private static string? LimitOf(string? message)
    {
        var m = message is null ? null : System.Text.RegularExpressions.Regex.Match(message, @"limit of (\d+) bytes");
        return m is { Success: true } ? $"{m.Groups[1].Value} bytes" : null;
    }

    /// <summary>An RFC 9457 problem document: <c>detail</c> (or <c>title</c>) and, for a refused spec, <c>errors</c> by field path.</summary>
    private static (string? Message, IReadOnlyList<string> Problems) ReadError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, []);
            }

            var message = Text(root, "detail") ?? Text(root, "title") ?? Text(root, "error");
            var problems = new List<string>();
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Array))
                {
                    problems.AddRange(field.Value.EnumerateArray().Select(m => $"{field.Name}: {m}"));
                }
            }

            return (message, problems);
        }
        catch (JsonException)
        {
            return (string.IsNullOrWhiteSpace(body) ? null : FirstLine(body), []);
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return (i < 0 ? s : s[..i]).Trim();
    }
}
