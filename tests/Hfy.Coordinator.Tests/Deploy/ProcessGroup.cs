using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary>hfy processes started by a test; every one is killed on dispose, whatever happened.</summary>
internal sealed partial class ProcessGroup : IDisposable
{
    private readonly Dictionary<string, (Process Process, StringBuilder Output)> _processes = [];

    /// <summary>
    /// The built hfy.dll of src/Hfy in this test assembly's configuration. Tests reference libraries only, never the
    /// executable project; building the solution (the README's test command) builds src/Hfy too.
    /// </summary>
    public static string HfyDll { get; } = LocateHfy();

    private static string LocateHfy()
    {
        // AppContext.BaseDirectory is tests/Hfy.Coordinator.Tests/bin/CONFIG/TFM/.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent!.Name;
        var repo = tfmDir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repo, "src", "Hfy", "bin", configuration, tfmDir.Name, "hfy.dll");
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>dotnet hfy.dll ARGS</c> with extra environment variables.</summary>
    public void Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HfyDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[name] = (process, output);
    }

    /// <summary>Runs <c>dotnet hfy.dll ARGS</c> to the end; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HfyDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Sends SIGTERM (graceful leave) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(string name, TimeSpan timeout)
    {
        var p = _processes[name].Process;
        _ = SysKill(p.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }

    /// <summary>Sends SIGKILL (no shutdown of any kind, as a crash) and waits for the process to be gone.</summary>
    public async Task KillAsync(string name, TimeSpan timeout)
    {
        var p = _processes[name].Process;
        _ = SysKill(p.Id, 9);
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
    }

    /// <summary>Everything a process printed so far (for failure messages).</summary>
    public string Output(string name)
    {
        var o = _processes[name].Output;
        lock (o)
        {
            return o.ToString();
        }
    }

    /// <summary>Every process's output, labelled.</summary>
    public string AllOutput() => string.Join("\n", _processes.Keys.Select(k => $"--- {k} (exited: {_processes[k].Process.HasExited})\n{Output(k)}"));

    public void Dispose()
    {
        foreach (var (process, _) in _processes.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
