using System.CommandLine;
using Hfy.Cli.Commands;

var root = new RootCommand("hfy: Hopfield-Fenchel-Young associative memories on an Akka.NET cluster");
foreach (var command in Commands.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
