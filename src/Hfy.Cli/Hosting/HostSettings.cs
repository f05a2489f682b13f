using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace Hfy.Cli.Hosting;

/// <summary>
/// How an <c>hfy node</c> or <c>hfy coordinator</c> process joins the cluster and serves HTTP: Microsoft.Extensions.Configuration
/// layers flags over <c>HFY_*</c> environment variables over an optional JSON file (<c>--config-file</c> /
/// <c>HFY_CONFIG_FILE</c>, keys as the variables without <c>HFY_</c>) and binds them to <see cref="HostSettingsValues"/>;
/// what none of them sets takes the default. An empty flag or variable counts as not set.
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
        [ConfigFileVariable] = "JSON file with any of the settings above, keys without HFY_ (e.g. {\"SEEDS\": \"10.0.0.1:4053\", \"PORT\": 4100}); flags and variables override it",
    };

    /// <summary>The variable naming the JSON settings file.</summary>
    public const string ConfigFileVariable = "HFY_CONFIG_FILE";

    private const string Prefix = "HFY_";

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
    /// Resolves settings from flag values (null when a flag was not given), the environment (the process's
    /// <c>HFY_*</c> variables, or <paramref name="environment"/> for tests) and the JSON file either names.
    /// Returns the settings, or a one-line error naming the flag or variable and the rule.
    /// </summary>
    public static (HostSettings? Settings, string? Error) Resolve(
        HostFlags flags,
        bool coordinator,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var (values, readError) = Read(flags, environment);
        if (values is null)
        {
            return (null, readError);
        }

        var host = NullIfEmpty(values.Host) ?? "127.0.0.1";
        var publicHost = NullIfEmpty(values.PublicHost);

        var portText = NullIfEmpty(values.Port);
        var port = coordinator ? DefaultCoordinatorPort : 0;
        if (portText is not null && !TryPort(portText, out port))
        {
            return (null, $"port (--port / HFY_PORT): must be an integer in 0..65535 (got '{portText}')");
        }

        var seeds = new List<string>();
        foreach (var raw in Split(NullIfEmpty(values.Seeds)))
        {
            var seed = NormalizeSeed(raw, out var seedError);
            if (seed is null)
            {
                return (null, $"seeds (--seeds / HFY_SEEDS): {seedError}");
            }

            seeds.Add(seed);
        }

        var roles = Split(NullIfEmpty(values.Roles)).ToList();
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

        var http = NullIfEmpty(values.Http) ?? $"127.0.0.1:{DefaultHttpPort}";
        if (!TrySplitHostPort(http, out var httpHost, out var httpPort))
        {
            return (null, $"http (--http / HFY_HTTP): must be host:port with a port in 0..65535 (got '{http}')");
        }

        var token = NullIfEmpty(values.Token);
        if (token is not null && token.Length < 16)
        {
            return (null, "token (--token / HFY_TOKEN): must be at least 16 characters");
        }

        var data = NullIfEmpty(values.Data) ?? Path.Combine(Environment.CurrentDirectory, "data");
        var extra = NullIfEmpty(values.Config);
        if (extra is not null && !File.Exists(extra))
        {
            return (null, $"config (--config / HFY_CONFIG): file '{extra}' not found");
        }

        var roots = Split(values.DataRoots).Select(Path.GetFullPath).ToList();
        var settings = new HostSettings(seeds, host, publicHost, port, roles, httpHost, httpPort, token, Path.GetFullPath(data), extra, roots.Count == 0 ? null : roots);
        if (seeds.Count == 0 && !coordinator)
        {
            return (null, "seeds (--seeds / HFY_SEEDS): a node needs at least one seed (the coordinator's host:port)");
        }

        return (settings, null);
    }

    /// <summary>
    /// The settings as text, layered: flags over variables over the JSON file (its path itself comes from the flag or
    /// the variable). Returns null and a one-line error when the file is missing or is not a JSON object.
    /// </summary>
    internal static (HostSettingsValues? Values, string? Error) Read(HostFlags flags, Func<string, string?>? environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        IConfigurationSource variables = environment is null
            ? new EnvironmentVariablesConfigurationSource { Prefix = Prefix }
            : new MemoryConfigurationSource { InitialData = Given(Variables.Keys.Select(v => (v[Prefix.Length..], environment(v)))) };
        // The flags enter as a memory source rather than through the CommandLine provider: System.CommandLine has
        // parsed them already (help, unknown options), and a second reader of argv could only disagree with it.
        var overrides = new ConfigurationBuilder()
            .Add(variables)
            .AddInMemoryCollection(Given(
            [
                ("SEEDS", flags.Seeds), ("HOST", flags.Host), ("PUBLIC_HOST", flags.PublicHost), ("PORT", flags.Port), ("ROLES", flags.Roles),
                ("HTTP", flags.Http), ("TOKEN", flags.Token), ("DATA", flags.Data), ("CONFIG", flags.Config), (ConfigFileKey, flags.ConfigFile),
            ]))
            .Build();

        var layers = new ConfigurationBuilder();
        var file = NullIfEmpty(overrides[ConfigFileKey]);
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                return (null, $"config-file (--config-file / {ConfigFileVariable}): file '{file}' not found");
            }

            layers.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        try
        {
            return (layers.AddConfiguration(overrides).Build().Get<HostSettingsValues>() ?? new HostSettingsValues(), null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            var reason = e.GetBaseException().Message.ReplaceLineEndings(" ").Trim();
            return (null, $"config-file (--config-file / {ConfigFileVariable}): '{file}' is not a JSON object of settings ({reason})");
        }
    }

    private const string ConfigFileKey = "CONFIG_FILE";

    // Memory sources keep a null value as "set to null", which would hide the layers below: leave out what is not given.
    private static IEnumerable<KeyValuePair<string, string?>> Given(IEnumerable<(string Key, string? Value)> values) =>
        values.Where(v => !string.IsNullOrWhiteSpace(v.Value)).Select(v => KeyValuePair.Create(v.Key, v.Value));

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
    string? Config = null,
    string? ConfigFile = null);

/// <summary>
/// The host settings as text, bound from the configuration layers (keys: the <c>HFY_*</c> variable names without
/// <c>HFY_</c>, case-insensitive); <see cref="HostSettings.Resolve"/> checks them and fills in the defaults.
/// </summary>
internal sealed class HostSettingsValues
{
    /// <summary><c>SEEDS</c>: comma-separated seed nodes.</summary>
    public string? Seeds { get; set; }

    /// <summary><c>HOST</c>: bind address.</summary>
    public string? Host { get; set; }

    /// <summary><c>PUBLIC_HOST</c>: address others reach this node at.</summary>
    [ConfigurationKeyName("PUBLIC_HOST")]
    public string? PublicHost { get; set; }

    /// <summary><c>PORT</c>: cluster transport port.</summary>
    public string? Port { get; set; }

    /// <summary><c>ROLES</c>: comma-separated cluster roles.</summary>
    public string? Roles { get; set; }

    /// <summary><c>HTTP</c>: API and dashboard address host:port.</summary>
    public string? Http { get; set; }

    /// <summary><c>TOKEN</c>: API bearer token.</summary>
    public string? Token { get; set; }

    /// <summary><c>DATA</c>: data directory.</summary>
    public string? Data { get; set; }

    /// <summary><c>DATA_ROOTS</c>: comma-separated directories bank files may be read from.</summary>
    [ConfigurationKeyName("DATA_ROOTS")]
    public string? DataRoots { get; set; }

    /// <summary><c>CONFIG</c>: HOCON override file.</summary>
    public string? Config { get; set; }
}
