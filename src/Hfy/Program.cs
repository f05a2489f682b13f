using Hfy.Cli.Commands;

return await HfyCommandLine.InvokeAsync(args);
