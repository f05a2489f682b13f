using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hfy.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>
/// Walks every endpoint the server maps (from its EndpointDataSource, so a new endpoint is covered without editing
/// this test) and tries each path in the spellings routing accepts: as mapped, upper case, mixed case, with a
/// trailing slash, percent-encoded. Without the token only the dashboard's static files may answer.
/// </summary>
public sealed class WebAuthorizationTests
{
    private const string Token = "authz-test-token-0123456789abcdef";

    private static async Task<(WebServer Server, Uri Base)> StartExposed(FakeExperimentService? experiments = null)
    {
        var server = await WebServer.StartAsync(new WebOptions { Host = "0.0.0.0", Token = Token }, new FakeClusterView(),
            experiments ?? new FakeExperimentService(_ => []), new FakeMetrics());
        return (server, new Uri($"http://127.0.0.1:{server.Address.Port}/"));
    }

    /// <summary>A concrete path for a route pattern: parameters filled with values the fakes know.</summary>
    private static string Concrete(RouteEndpoint e, bool upperLiterals = false) =>
        "/" + string.Join("/", e.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => upperLiterals ? l.Content.ToUpperInvariant() : l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { IsCatchAll: true } => "index.html",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "e1",
            _ => "",
        }))));

    private static IEnumerable<string> Spellings(string path)
    {
        yield return path;
        yield return path.ToUpperInvariant();
        yield return string.Concat(path.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        yield return path + "/";
        yield return path.ToUpperInvariant() + "/";
        // Every letter percent-encoded (Kestrel decodes before routing), and the same in upper case.
        yield return string.Concat(path.Select(c => char.IsAsciiLetter(c) ? $"%{(int)c:X2}" : c.ToString()));
        yield return string.Concat(path.Select(c => char.IsAsciiLetter(c) ? $"%{(int)char.ToUpperInvariant(c):X2}" : c.ToString()));
    }

    private static async Task<(HttpStatusCode Status, string Body)> Send(HttpClient http, string method, string path, string? token)
    {
        // Uri would unescape %41 and the like; keep the path bytes as written.
        var uri = new Uri(http.BaseAddress!.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(method), uri)
        {
            Content = method == "POST" ? new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "application/json") : null,
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The event stream never ends: its body is not read.
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }

    [Fact]
    public async Task EveryEndpoint_InEverySpelling_RefusesCallsWithoutTheToken()
    {
        var experiments = new FakeExperimentService(_ => []);
        var (server, address) = await StartExposed(experiments);
        await using var _ = server;
        await experiments.SubmitAsync("{\"name\":\"seed\"}", null, default); // so /api/experiments/e1 exists
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };

        var endpoints = server.Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count >= 10, $"expected the API endpoints, found {endpoints.Count}");
        var protectedTried = 0;
        foreach (var endpoint in endpoints)
        {
            var isPublic = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                foreach (var path in Spellings(Concrete(endpoint)))
                {
                    var anonymous = await Send(http, method, path, null);
                    var wrong = await Send(http, method, path, "wrong-token-wrong-token-wrong");
                    if (isPublic)
                    {
                        Assert.NotEqual(HttpStatusCode.Unauthorized, anonymous.Status);
                        continue;
                    }

                    // A spelling that routing sends elsewhere can only reach a static file that does not exist.
                    foreach (var (status, body) in new[] { anonymous, wrong })
                    {
                        Assert.True(status == HttpStatusCode.Unauthorized || (status == HttpStatusCode.NotFound && body.Contains("no such file", StringComparison.Ordinal)),
                            $"{method} {path} without the right token answered {(int)status}: {body[..Math.Min(body.Length, 200)]}");
                    }

                    protectedTried++;
                }

                // With the token, the endpoint answers (2xx) in upper case too: the spellings above reach it.
                var (authorized, _) = await Send(http, method, Concrete(endpoint, upperLiterals: true), Token);
                if (!isPublic)
                {
                    Assert.True((int)authorized is >= 200 and < 300, $"{method} {Concrete(endpoint, upperLiterals: true)} with the token answered {(int)authorized}");
                }
            }
        }

        Assert.True(protectedTried >= 60, $"only {protectedTried} protected spellings tried");
        // No refused POST created anything: the seed and the one authorized POST are all there is.
        Assert.Equal(2, experiments.Created);
    }

    [Fact]
    public async Task UpperCasePaths_OnAnExposedBind_NeedTheToken()
    {
        var experiments = new FakeExperimentService(_ => []);
        var (server, address) = await StartExposed(experiments);
        await using var _ = server;
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "GET", "/API/cluster", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "GET", "/METRICS", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "POST", "/API/experiments", null)).Status);
        Assert.Equal(0, experiments.Created);
    }

    [Theory]
    [InlineData("DELETE", "/api/cluster", "GET")]
    [InlineData("PUT", "/api/experiments", "GET, POST")]
    [InlineData("POST", "/metrics", "GET")]
    [InlineData("PATCH", "/API/Experiments/e1", "GET")]
    public async Task WrongMethod_Is405WithAllow(string method, string path, string allow)
    {
        var (server, address) = await StartExposed();
        await using var _ = server;
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow.Split(", ").Order(), response.Content.Headers.Allow.Order());
    }

    [Fact]
    public void TokenComparison_IsExact()
    {
        Assert.True(BearerTokenHandler.Matches(Token, Token));
        Assert.False(BearerTokenHandler.Matches(Token.ToUpperInvariant(), Token));
        Assert.False(BearerTokenHandler.Matches(Token + "x", Token));
        Assert.False(BearerTokenHandler.Matches(Token[..^1], Token));
        Assert.False(BearerTokenHandler.Matches("", Token));
    }
}
