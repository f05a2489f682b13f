using System.CommandLine;

namespace Hfy.Cli.Commands;

/// <summary><c>hfy resume ID --coordinator URL [--token T]</c>: queues a failed or cancelled experiment again on a running coordinator.</summary>
internal static class ResumeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Experiment id (hfy status lists them)" };
        var coordinator = CoordinatorOptions.Address();
        var token = CoordinatorOptions.Token();
        var command = new Command("resume", "Resume a failed or cancelled experiment on a running coordinator; only the cells not yet stored run")
        {
            id, coordinator, token,
        };
        command.SetAction((parse, ct) => CoordinatorOptions.RunAsync(parse.GetValue(coordinator)!, parse.GetValue(token), async client =>
        {
            var experiment = parse.GetValue(id)!;
            await client.ResumeAsync(experiment, ct).ConfigureAwait(false);
            Console.WriteLine(experiment);
            return 0;
        }));
        return command;
    }
}
