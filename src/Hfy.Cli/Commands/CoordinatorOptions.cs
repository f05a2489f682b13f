using System.CommandLine;
using Hfy.Web;

namespace Hfy.Cli.Commands;

/// <summary>The <c>--coordinator</c> and <c>--token</c> options shared by the commands that talk to a running coordinator.</summary>
internal static class CoordinatorOptions
{
    /// <summary>Where the coordinator is used when neither the flag nor HFY_COORDINATOR says.</summary>
    public const string DefaultAddress = "http://127.0.0.1:5080";

    /// <summary>A new <c>--coordinator URL</c> option (default: HFY_COORDINATOR, else 127.0.0.1:5080).</summary>
    public static Option<string> Address() => CheckUrl(new Option<string>("--coordinator")
    {
        Description = "Coordinator URL, e.g. http://10.0.0.5:5080 (default: HFY_COORDINATOR, else " + DefaultAddress + ")",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HFY_COORDINATOR") is { Length: > 0 } env ? env : DefaultAddress,
    });

    /// <summary>A new <c>--coordinator URL</c> option without a default (null: the command works locally).</summary>
    public static Option<string?> OptionalAddress(string description) => CheckUrl(new Option<string?>("--coordinator") { Description = description });

    // A URL given on the command line is checked when it is parsed (coordinator: 'x' is not an http(s) URL).
    private static Option<T> CheckUrl<T>(Option<T> option)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens is not [.., var token]) return;
            try
            {
                CoordinatorClient.ParseAddress(token.Value);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message.Split(" (Parameter", 2)[0]);
            }
        });
        return option;
    }

    /// <summary>A new <c>--token T</c> option (default: HFY_TOKEN).</summary>
    public static Option<string?> Token() => new("--token")
    {
        Description = "API bearer token (default: HFY_TOKEN)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HFY_TOKEN") is { Length: > 0 } env ? env : null,
    };

    /// <summary>Runs <paramref name="body"/> with a client; turns every failure into one line on stderr and an exit code.</summary>
    public static async Task<int> RunAsync(string address, string? token, Func<CoordinatorClient, Task<int>> body)
    {
        try
        {
            using var client = new CoordinatorClient(CoordinatorClient.ParseAddress(address), token);
            return await body(client).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message.Split(" (Parameter", 2)[0], 2);
        }
        catch (CoordinatorClientException e)
        {
            var code = Fail(e.Message, e.ExitCode);
            foreach (var problem in e.Problems)
            {
                Console.Error.WriteLine("  " + problem);
            }

            return code;
        }
    }

    /// <summary>Writes <c>error: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine("error: " + message);
        return exitCode;
    }
}
