using System.CommandLine;

namespace Hfy.Cli.Commands;

/// <summary>The registry of hfy subcommands; each command lives in its own file.</summary>
public static class Commands
{
    /// <summary>Every subcommand, in the order `hfy --help` lists them.</summary>
    public static IEnumerable<Command> All()
    {
        // One line per command; keep the list sorted by area.
        yield return MapCommand.Create();
        yield return RetrieveCommand.Create();
        yield return RecallCommand.Create();
        yield return BenchCommand.Create();
        yield return RunCommand.Create();
        yield return ResultsCommand.Create();
        yield return DemoCommand.Create();
        yield return SubmitCommand.Create();
        yield return ResumeCommand.Create();
        yield return StatusCommand.Create();
        yield return CoordinatorCommand.Create();
        yield return NodeCommand.Create();
    }
}
