using Hfy.Cli;

return await HfyCommandLine.InvokeAsync(args);
