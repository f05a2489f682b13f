using System.CommandLine;
using Hfy.Cli.Hosting;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy coordinator</c>: joins (or forms) a cluster as the coordinator, serving the API and dashboard.</summary>
internal static class CoordinatorCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var options = new HostOptions();
        var command = new Command("coordinator",
            "Run the coordinator: cluster engine, experiment manager, results store, JSON API and dashboard (flags or HFY_* variables; leaves gracefully on SIGTERM/Ctrl-C)");
        options.AddTo(command, coordinator: true);
        // Synchronous on purpose (see NodeCommand): the graceful leave must not be cut short.
        command.SetAction(parse =>
        {
            var (settings, error) = options.Resolve(parse, coordinator: true);
            return settings is null ? CliErrors.Usage(parse, error!) : CoordinatorHost.RunAsync(settings, Console.Out).GetAwaiter().GetResult();
        });
        return command;
    }
}
