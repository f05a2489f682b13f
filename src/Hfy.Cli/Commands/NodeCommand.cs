using System.CommandLine;
using Hfy.Cli.Hosting;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy node</c>: joins a cluster as a bank node and hosts partitions until SIGTERM / Ctrl-C.</summary>
internal static class NodeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var options = new HostOptions();
        var command = new Command("node", "Join an hfy cluster as a bank node (flags or HFY_* variables; leaves gracefully on SIGTERM/Ctrl-C)");
        options.AddTo(command, coordinator: false);
        // A synchronous action on purpose: System.CommandLine gives asynchronous actions a 2-second grace on SIGTERM and
        // then ends the process, which would cut the graceful leave short; here ClusterNode handles the signals.
        command.SetAction(parse =>
        {
            var (settings, error) = options.Resolve(parse, coordinator: false);
            return settings is null ? CliErrors.Usage(parse, error!) : NodeHost.RunAsync(settings, Console.Out).GetAwaiter().GetResult();
        });
        return command;
    }
}
