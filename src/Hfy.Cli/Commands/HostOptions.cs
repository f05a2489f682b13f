using System.CommandLine;
using Hfy.Cli.Hosting;

namespace Hfy.Cli.Commands;

/// <summary>
/// The cluster flags shared by <c>hfy node</c> and <c>hfy coordinator</c>; each falls back to its HFY_* variable, then
/// to the JSON file of <c>--config-file</c> / HFY_CONFIG_FILE (<see cref="HostSettings"/>). They stay text here: a flag,
/// a variable and a file value meet the same rule in <see cref="HostSettings.Resolve"/>, with one message naming both.
/// </summary>
internal sealed class HostOptions
{
    private readonly Option<string?> _seeds = new("--seeds") { Description = "Seed nodes host:port,… identical on every node (HFY_SEEDS)" };
    private readonly Option<string?> _host = new("--host") { Description = "Address the cluster transport binds to (HFY_HOST, default 127.0.0.1)" };
    private readonly Option<string?> _publicHost = new("--public-host") { Description = "Address other nodes reach this one at (HFY_PUBLIC_HOST)" };
    private readonly Option<string?> _port = new("--port") { Description = "Cluster transport port, 0 = automatic (HFY_PORT)" };
    private readonly Option<string?> _roles = new("--roles") { Description = "Cluster roles, comma-separated (HFY_ROLES)" };
    private readonly Option<string?> _config = new("--config") { Description = "HOCON file overriding the generated Akka settings, e.g. transport TLS (HFY_CONFIG)" };
    private readonly Option<string?> _configFile = new("--config-file") { Description = "JSON file of settings, keys as the HFY_* variables without HFY_; flags and variables win (HFY_CONFIG_FILE)" };
    private readonly Option<string?> _http = new("--http") { Description = "API and dashboard address host:port (HFY_HTTP, default 127.0.0.1:5080)" };
    private readonly Option<string?> _token = new("--token") { Description = "API bearer token (HFY_TOKEN; generated when --http is not loopback)" };
    private readonly Option<string?> _data = new("--data") { Description = "Data directory for results (HFY_DATA, default ./data)" };

    /// <summary>Adds the flags to a command (HTTP, token and data only for the coordinator).</summary>
    public void AddTo(Command command, bool coordinator)
    {
        foreach (var option in new[] { _seeds, _host, _publicHost, _port, _roles, _config, _configFile })
        {
            command.Options.Add(option);
        }

        if (coordinator)
        {
            command.Options.Add(_http);
            command.Options.Add(_token);
            command.Options.Add(_data);
        }
    }

    /// <summary>Resolves the settings from the parsed flags and the environment.</summary>
    public (HostSettings? Settings, string? Error) Resolve(ParseResult parse, bool coordinator) =>
        HostSettings.Resolve(
            new HostFlags(
                parse.GetValue(_seeds), parse.GetValue(_host), parse.GetValue(_publicHost), parse.GetValue(_port), parse.GetValue(_roles),
                coordinator ? parse.GetValue(_http) : null, coordinator ? parse.GetValue(_token) : null, coordinator ? parse.GetValue(_data) : null,
                parse.GetValue(_config), parse.GetValue(_configFile)),
            coordinator);
}
