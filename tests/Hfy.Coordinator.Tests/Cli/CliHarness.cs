using System.CommandLine;
using System.Text.Json;
using Hfy.Cli;

namespace Hfy.Coordinator.Tests.Cli;

/// <summary>Runs hfy commands in-process with captured stdout/stderr.</summary>
internal static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = HfyCommandLine.Invoke(args, new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class CliTempDir : IDisposable
{
    public CliTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hfy-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var p = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
