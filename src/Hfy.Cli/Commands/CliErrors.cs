using System.CommandLine;
using System.Text.Json;
using Hfy.Experiments;

namespace Hfy.Cli.Commands;

// Shared error handling for every hfy subcommand (style: bad user input → one line naming the field and the
// rule on stderr, exit code 2, no stack trace). Option values are checked when the command line is parsed
// (CliOption, HfyCommandLine); what only the body can check (files, shapes, k ≤ N) goes through here. Usage:
//
//     command.SetAction(parseResult => CliErrors.Run(parseResult, output =>
//     {
//         if (beta <= 0) throw new CliUsageException($"beta: must be > 0 (got {beta})");
//         output.WriteLine(...);       // stdout (or the writer a test passed in InvocationConfiguration)
//         return 0;
//     }));
//
// (CliErrors.RunAsync is the same for async actions.) Besides CliUsageException, the wrapper turns the usual
// input failures into the same one-line form: FileNotFoundException/DirectoryNotFoundException, InvalidDataException
// (malformed .npy/IDX/CSV), JsonException, and ArgumentException from the kernels (their messages start with the
// field name, e.g. "alpha: must be ≥ 1 (got 0.5)"). Anything else is a bug and propagates.

/// <summary>Bad user input: the message is one line naming the field and the rule, e.g. <c>beta: must be &gt; 0 (got -1)</c>.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>Runs command bodies so that bad input ends as one stderr line and exit code 2.</summary>
public static class CliErrors
{
    /// <summary>Exit code for bad user input.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Runs <paramref name="body"/> with the invocation's output writer; maps input errors to exit code 2.</summary>
    public static int Run(ParseResult parseResult, Func<TextWriter, int> body)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(body);
        var output = parseResult.InvocationConfiguration?.Output ?? Console.Out;
        var error = parseResult.InvocationConfiguration?.Error ?? Console.Error;
        try
        {
            return body(output);
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            error.WriteLine($"hfy: {line}");
            return UsageExitCode;
        }
    }

    /// <summary>Async variant of <see cref="Run"/>.</summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(body);
        var output = parseResult.InvocationConfiguration?.Output ?? Console.Out;
        var error = parseResult.InvocationConfiguration?.Error ?? Console.Error;
        try
        {
            return await body(output).ConfigureAwait(false);
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            await error.WriteLineAsync($"hfy: {line}").ConfigureAwait(false);
            return UsageExitCode;
        }
    }

    /// <summary>Writes <c>hfy: line</c> to the invocation's error writer and returns <see cref="UsageExitCode"/>.</summary>
    public static int Usage(ParseResult parseResult, string line)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        (parseResult.InvocationConfiguration?.Error ?? Console.Error).WriteLine($"hfy: {OneLine(line)}");
        return UsageExitCode;
    }

    /// <summary>The one-line description of an input error, or null when <paramref name="e"/> is not one.</summary>
    public static string? Describe(Exception e) => e switch
    {
        CliUsageException u => OneLine(u.Message),
        FileNotFoundException f => OneLine(f.FileName is { } name && !f.Message.Contains(name, StringComparison.Ordinal)
            ? $"file not found: {name}" : f.Message),
        DirectoryNotFoundException d => OneLine(d.Message),
        InvalidDataException d => OneLine(d.Message),
        JsonException j => OneLine(JsonProblem.Describe(j) is var (path, message) ? $"invalid JSON at {path}: {message}" : ""),
        ArgumentException a => OneLine(a.ParamName is { } p ? a.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : a.Message),
        UnauthorizedAccessException u => OneLine(u.Message),
        _ => null,
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

