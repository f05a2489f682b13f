using System.Globalization;
using System.Net;

namespace Hfy.Cli.Hosting;

/// <summary>
/// How an <c>hfy node</c> or <c>hfy coordinator</c> process joins the cluster and serves HTTP, from flags or
/// <c>HFY_*</c> environment variables (a flag wins over the variable, the variable over the default).
/// </summary>
/// <param name="Seeds">Seed node addresses, identical on every node (<c>akka.tcp://hfy@host:port</c>).</param>
/// <param name="Host">Address the cluster transport binds to.</param>
/// <param name="PublicHost">Address other nodes reach this one at (null: <paramref name="Host"/>).</param>
/// <param name="Port">Cluster transport port (0: automatic; a seed node needs a fixed one).</param>
/// <param name="Roles">Cluster roles.</param>
/// <param name="HttpHost">Address the API and dashboard bind to (coordinator only).</param>
/// <param name="HttpPort">HTTP port (coordinator only; 0: automatic).</param>
/// <param name="Token">API bearer token (null: generated when the HTTP address needs one).</param>
/// <param name="DataDir">Directory of the results database and exports.</param>
/// <param name="ExtraConfig">A HOCON file whose settings override the generated ones (e.g. TLS for the transport), or null.</param>
/// <param name="DataRoots">Directories the coordinator may read bank files from (null: <paramref name="DataDir"/> only).</param>
public sealed record HostSettings(
    IReadOnlyList<string> Seeds,
    string Host,
    string? PublicHost,
    int Port,
    IReadOnlyList<string> Roles,
    string HttpHost,
    int HttpPort,
    string? Token,
    string DataDir,
    string? ExtraConfig = null,
    IReadOnlyList<string>? DataRoots = null)
{
    /// <summary>The directories file sources of submitted specs must lie in.</summary>
    public IReadOnlyList<string> EffectiveDataRoots => DataRoots ?? [DataDir];

    /// <summary>Actor system name every node of an hfy cluster uses.</summary>
    public const string SystemName = "hfy";

    /// <summary>Default cluster port of a coordinator (the usual first seed).</summary>
    public const int DefaultCoordinatorPort = 4053;

    /// <summary>Default HTTP port of a coordinator.</summary>
    public const int DefaultHttpPort = 5080;

    /// <summary>The environment variables read, with what each holds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["HFY_SEEDS"] = "comma-separated seed nodes, host:port or akka.tcp://hfy@host:port, identical on every node",
        ["HFY_HOST"] = "address the cluster transport binds to (default 127.0.0.1)",
        ["HFY_PUBLIC_HOST"] = "address other nodes use to reach this one (default: HFY_HOST)",
        ["HFY_PORT"] = "cluster transport port (coordinator default 4053, node default 0 = automatic)",
        ["HFY_ROLES"] = "comma-separated roles (node default bank, coordinator default coordinator)",
        ["HFY_HTTP"] = "coordinator API/dashboard address host:port (default 127.0.0.1:5080)",
        ["HFY_TOKEN"] = "API bearer token (generated and printed when HFY_HTTP is not loopback and none is given)",
        ["HFY_DATA"] = "data directory (results database, exports; default ./data)",
        ["HFY_CONFIG"] = "HOCON file overriding the generated Akka settings (e.g. TLS for the cluster transport)",
        ["HFY_DATA_ROOTS"] = "comma-separated directories the coordinator may read bank files (npy, idx, csv) from (default: the data directory)",
    };

    /// <summary>The address others use for this node: <c>akka.tcp://hfy@publicHost:port</c>.</summary>
    public string SelfAddress => $"akka.tcp://{SystemName}@{FormatHost(EffectivePublicHost)}:{Port}";

    /// <summary>
    /// The host others use: <see cref="PublicHost"/>, else <see cref="Host"/>, except that a wildcard bind address
    /// (0.0.0.0, ::) is replaced by this machine's first non-loopback address (containers, pods).
    /// </summary>
    public string EffectivePublicHost => PublicHost ?? (IsWildcard(Host) ? OwnAddress() : Host);

    private static bool IsWildcard(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));

    private static string OwnAddress()
    {
        try
        {
            var addresses = Dns.GetHostAddresses(Dns.GetHostName());
            var ip = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? addresses.FirstOrDefault(a => !IPAddress.IsLoopback(a));
            return ip?.ToString() ?? Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Dns.GetHostName();
        }
    }

    /// <summary>
    /// Resolves settings from flag values (null when a flag was not given) and the environment.
    /// Returns the settings, or a one-line error naming the flag or variable and the rule.
    /// </summary>
    public static (HostSettings? Settings, string? Error) Resolve(
        HostFlags flags,
        bool coordinator,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(flags);
        environment ??= Environment.GetEnvironmentVariable;
        string? Pick(string? flag, string variable) => flag ?? NullIfEmpty(environment(variable));

        var host = Pick(flags.Host, "HFY_HOST") ?? "127.0.0.1";
        var publicHost = Pick(flags.PublicHost, "HFY_PUBLIC_HOST");

        var portText = Pick(flags.Port, "HFY_PORT");
        var port = coordinator ? DefaultCoordinatorPort : 0;
        if (portText is not null && !TryPort(portText, out port))
        {
            return (null, $"port (--port / HFY_PORT): must be an integer in 0..65535 (got '{portText}')");
        }

        var seeds = new List<string>();
        foreach (var raw in Split(Pick(flags.Seeds, "HFY_SEEDS")))
        {
            var seed = NormalizeSeed(raw, out var seedError);
            if (seed is null)
            {
                return (null, $"seeds (--seeds / HFY_SEEDS): {seedError}");
            }

            seeds.Add(seed);
        }

        var roles = Split(Pick(flags.Roles, "HFY_ROLES")).ToList();
        if (roles.Count == 0)
        {
            roles.Add(coordinator ? "coordinator" : "bank");
        }

        foreach (var role in roles)
        {
            if (!role.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return (null, $"roles (--roles / HFY_ROLES): '{role}' may hold only letters, digits, '-' and '_'");
            }
        }

        var http = Pick(flags.Http, "HFY_HTTP") ?? $"127.0.0.1:{DefaultHttpPort}";
        if (!TrySplitHostPort(http, out var httpHost, out var httpPort))
        {
            return (null, $"http (--http / HFY_HTTP): must be host:port with a port in 0..65535 (got '{http}')");
        }

        var token = Pick(flags.Token, "HFY_TOKEN");
        if (token is not null && token.Length < 16)
        {
            return (null, "token (--token / HFY_TOKEN): must be at least 16 characters");
        }

        var data = Pick(flags.Data, "HFY_DATA") ?? Path.Combine(Environment.CurrentDirectory, "data");
        var extra = Pick(flags.Config, "HFY_CONFIG");
        if (extra is not null && !File.Exists(extra))
        {
            return (null, $"config (--config / HFY_CONFIG): file '{extra}' not found");
        }

        var roots = Split(environment("HFY_DATA_ROOTS")).Select(Path.GetFullPath).ToList();
        var settings = new HostSettings(seeds, host, publicHost, port, roles, httpHost, httpPort, token, Path.GetFullPath(data), extra, roots.Count == 0 ? null : roots);
        if (seeds.Count == 0 && !coordinator)
        {
            return (null, "seeds (--seeds / HFY_SEEDS): a node needs at least one seed (the coordinator's host:port)");
        }

        return (settings, null);
    }

    /// <summary>Turns <c>host:port</c> into <c>akka.tcp://hfy@host:port</c>; full addresses pass through if they name this system.</summary>
    internal static string? NormalizeSeed(string raw, out string? error)
    {
        error = null;
        var s = raw.Trim();
        if (s.Contains("://", StringComparison.Ordinal))
        {
            var prefix = $"akka.tcp://{SystemName}@";
            if (!s.StartsWith(prefix, StringComparison.Ordinal))
            {
                error = $"'{s}' must start with {prefix}";
                return null;
            }

            s = s[prefix.Length..];
        }

        if (!TrySplitHostPort(s, out var host, out var port) || port == 0)
        {
            error = $"'{raw.Trim()}' must be host:port with a port in 1..65535";
            return null;
        }

        return $"akka.tcp://{SystemName}@{FormatHost(host)}:{port}";
    }

    /// <summary>Splits <c>host:port</c> (IPv6 as <c>[::1]:port</c>).</summary>
    internal static bool TrySplitHostPort(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var i = text.LastIndexOf(':');
        if (i <= 0 || i == text.Length - 1)
        {
            return false;
        }

        host = text[..i].Trim('[', ']');
        return host.Length > 0 && TryPort(text[(i + 1)..], out port);
    }

    private static string FormatHost(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;

    private static IEnumerable<string> Split(string? list) =>
        list is null ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Flag values as given on the command line (null: not given).</summary>
public sealed record HostFlags(
    string? Seeds = null,
    string? Host = null,
    string? PublicHost = null,
    string? Port = null,
    string? Roles = null,
    string? Http = null,
    string? Token = null,
    string? Data = null,
    string? Config = null);
