using System.Net;
using System.Security.Cryptography;

namespace Hfy.Web;

/// <summary>Where the API and dashboard listen, and how they are protected.</summary>
public sealed record WebOptions
{
    /// <summary>Largest accepted experiment spec (request body), bytes.</summary>
    public const long DefaultMaxSpecBytes = 1 << 20;

    /// <summary>Address to bind: an IP address, <c>localhost</c>, or a host name resolved at start. Loopback by default.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="WebServer.Address"/>).</summary>
    public int Port { get; init; }

    /// <summary>Bearer token every API call must carry; null to generate one when the bind address requires it.</summary>
    public string? Token { get; init; }

    /// <summary>Request body limit for specs (and every request), bytes.</summary>
    public long MaxSpecBytes { get; init; } = DefaultMaxSpecBytes;

    /// <summary>What a submitted spec may ask for (bank sizes, cells, data directories for file sources).</summary>
    public Experiments.SpecLimits SpecLimits { get; init; } = Experiments.SpecLimits.Default;

    /// <summary>How often the dashboard's event stream pushes a snapshot.</summary>
    public TimeSpan EventInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the engine figures are sampled into the history a freshly opened page draws.</summary>
    public TimeSpan HistoryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How far back that history reaches.</summary>
    public TimeSpan HistoryWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>When an experiment counts as stalled (the experiments table shows "stalled" instead of an ETA).</summary>
    public PaceOptions Pace { get; init; } = PaceOptions.Default;

    /// <summary>
    /// True when API calls need a token: always when one is configured, and whenever the bind address is anything
    /// but exactly <c>127.0.0.1</c>, <c>localhost</c> or <c>::1</c> (other loopback aliases such as 127.0.0.2 count as
    /// exposed, so the rule does not depend on how the host routes them).
    /// </summary>
    public bool RequiresToken => Token is not null || !IsPrivateLoopback(Host);

    /// <summary>True for the three bind addresses that need no token.</summary>
    public static bool IsPrivateLoopback(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var h = host.Trim().Trim('[', ']');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(h, out var ip) && (ip.Equals(IPAddress.Loopback) || ip.Equals(IPAddress.IPv6Loopback)));
    }

    /// <summary>A fresh random token (32 bytes, base64url).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Checks the options; a one-line message naming the field, or null when they are usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            return "http host: must not be empty";
        }

        if (Port is < 0 or > 65535)
        {
            return $"http port: must be in 0..65535 (got {Port})";
        }

        if (Token is not null && Token.Length < 16)
        {
            return "token: must be at least 16 characters";
        }

        if (Token is not null && Token.Any(c => c <= ' ' || c > '~'))
        {
            return "token: only printable ASCII without spaces";
        }

        if (MaxSpecBytes < 1024)
        {
            return $"max spec bytes: must be ≥ 1024 (got {MaxSpecBytes})";
        }

        if (HistoryInterval <= TimeSpan.Zero || HistoryWindow < HistoryInterval)
        {
            return $"history: the interval must be positive and at most the window (got {HistoryInterval} and {HistoryWindow})";
        }

        if (Pace.RecentCells < 1 || !(Pace.StallFactor > 0) || Pace.StallFloor < TimeSpan.Zero)
        {
            return "pace: recent cells must be ≥ 1, the stall factor positive and the stall floor not negative";
        }

        return EventInterval <= TimeSpan.Zero ? "event interval: must be positive" : null;
    }
}
