using System.CommandLine;

namespace Hfy.Cli.Commands;

/// <summary>The registry of hfy subcommands; each command lives in its own file.</summary>
public static class Commands
{
    // One factory per command; keep the list sorted by area.
    private static readonly Func<Command>[] Factories =
    [
        MapCommand.Create, RetrieveCommand.Create, RecallCommand.Create, BenchCommand.Create, RunCommand.Create, ResultsCommand.Create,
        DemoCommand.Create, SubmitCommand.Create, ResumeCommand.Create, StatusCommand.Create, CoordinatorCommand.Create, NodeCommand.Create, ChaosCommand.Create,
    ];

    /// <summary>Every subcommand, in the order `hfy --help` lists them.</summary>
    public static IEnumerable<Command> All() => Factories.Select(create => create());
}
