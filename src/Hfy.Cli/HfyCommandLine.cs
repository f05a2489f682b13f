using System.CommandLine;
using System.CommandLine.Parsing;
using Hfy.Cli.Bench;
using Hfy.Cli.Commands;

namespace Hfy.Cli;

/// <summary>
/// The hfy command line: the root command and the one place where a parse or validation error (an unknown option, a
/// malformed number, a value out of range, a missing required option) becomes one stderr line <c>hfy: field: rule</c>
/// and exit code 2, for every command. System.CommandLine's own error action would print every error and the help
/// text and exit with 1.
/// </summary>
public static class HfyCommandLine
{
    // One factory per subcommand (each command lives in its own file), in the order `hfy --help` lists them, sorted by area.
    private static readonly Func<Command>[] Factories =
    [
        MapCommand.Create, RetrieveCommand.Create, RecallCommand.Create, BenchCommand.Create, RunCommand.Create, ResultsCommand.Create,
        DemoCommand.Create, SubmitCommand.Create, ResumeCommand.Create, StatusCommand.Create, CoordinatorCommand.Create, NodeCommand.Create, ChaosCommand.Create,
    ];

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("hfy: Hopfield-Fenchel-Young associative memories on an Akka.NET cluster");
        foreach (var create in Factories)
        {
            root.Subcommands.Add(create());
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (2 for bad input).</summary>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parse = CreateRoot().Parse(args.Count == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            // At the root only a subcommand can come: an unknown word there is named rather than "Required command was not provided".
            var line = parse.CommandResult.Command is RootCommand && parse.UnmatchedTokens is [var word, ..]
                ? $"unknown command '{word}' (hfy --help lists them)"
                : Describe(parse.Errors[0]);
            await (configuration?.Error ?? Console.Error).WriteLineAsync($"hfy: {line}").ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Synchronous <see cref="InvokeAsync"/> (in-process tests).</summary>
    public static int Invoke(IReadOnlyList<string> args, InvocationConfiguration? configuration = null) =>
        InvokeAsync(args, configuration).GetAwaiter().GetResult();

    /// <summary>
    /// One line for a parse error, starting with the field it is about: the errors of <see cref="CliOption"/> already
    /// do; System.CommandLine's own (unknown token, missing subcommand, value given twice) get the option, argument or
    /// subcommand name in front; a required option that is absent reads <c>field: required (its description)</c>.
    /// </summary>
    internal static string Describe(ParseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Message.ReplaceLineEndings(" ").Trim();
        if (error.SymbolResult is OptionResult { IdentifierToken: null, Option.Required: true } missing)
        {
            return $"{CliOption.Field(missing.Option.Name)}: required ({missing.Option.Description})";
        }

        var field = error.SymbolResult switch
        {
            OptionResult o => CliOption.Field(o.Option.Name),
            ArgumentResult { Parent: OptionResult o } => CliOption.Field(o.Option.Name),
            ArgumentResult a => a.Argument.Name,
            CommandResult { Parent: not null } c => c.Command.Name,
            _ => null,
        };
        return field is null || message.StartsWith(field + ":", StringComparison.Ordinal) ? message : $"{field}: {message}";
    }
}
