using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hfy.Web;

/// <summary>Options of the <see cref="BearerTokenHandler"/>: the token every protected endpoint needs, or none.</summary>
public sealed class BearerTokenOptions : AuthenticationSchemeOptions
{
    /// <summary>The expected token; null when the coordinator runs open (bound to exact loopback, no token configured).</summary>
    public string? Token { get; set; }
}

/// <summary>
/// Endpoint metadata: this endpoint also accepts the token as the <c>access_token</c> query parameter
/// (the dashboard's <c>EventSource</c> cannot set headers). Every other endpoint reads the header only.
/// </summary>
public sealed class QueryTokenAllowedAttribute : Attribute;

/// <summary>
/// Authenticates <c>Authorization: Bearer TOKEN</c>. Authorization is endpoint metadata (a fallback policy that
/// requires an authenticated user on every endpoint, with <c>AllowAnonymous</c> on the dashboard's static files), so
/// it follows routing exactly: a path that routing matches case-insensitively or after percent-decoding reaches the
/// same endpoint and the same policy. Tokens are compared as SHA-256 digests with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content nor the length of the expected token
/// leaks through timing.
/// </summary>
public sealed class BearerTokenHandler(IOptionsMonitor<BearerTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<BearerTokenOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    /// <summary>The authorization policy every non-public endpoint carries.</summary>
    public const string PolicyName = "hfy-api";

    /// <summary>The one-line reason a refused request gets.</summary>
    public const string Unauthorized = "unauthorized: this coordinator requires 'Authorization: Bearer <token>' (the token printed at its start, or HFY_TOKEN)";

    private static readonly ClaimsPrincipal Caller = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "hfy-client")], SchemeName));

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = Options.Token;
        if (expected is null)
        {
            return Task.FromResult(Success());
        }

        var presented = (string?)null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = header["Bearer ".Length..].Trim();
        }
        else if (Context.GetEndpoint()?.Metadata.GetMetadata<QueryTokenAllowedAttribute>() is not null)
        {
            presented = Request.Query["access_token"].ToString();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(Matches(presented, expected) ? Success() : AuthenticateResult.Fail("wrong token"));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Microsoft.AspNetCore.Http.Results.Problem(detail: Unauthorized, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized")
            .ExecuteAsync(Context).ConfigureAwait(false);
    }

    /// <summary>Constant-time comparison of two tokens (over their SHA-256 digests, so lengths do not leak either).</summary>
    public static bool Matches(string presented, string expected)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(expected);
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    private AuthenticateResult Success() => AuthenticateResult.Success(new AuthenticationTicket(Caller, SchemeName));
}
