using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Hfy.Coordinator.Tests.Web;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary><c>deploy/start-local.sh</c> run as a user would: busy ports are refused up front, and an exposed HTTP bind works with its token.</summary>
[Collection(WebClusterCollection.Name)]
public sealed class StartLocalScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hfy-start-local-").FullName;

    private static string Scripts => Path.Combine(BrowserHarness.RepositoryRoot() ?? throw new InvalidOperationException("repository root not found"), "deploy");

    public void Dispose()
    {
        Script("stop-local.sh", [], new Dictionary<string, string> { ["HFY_LOCAL_DIR"] = _dir, ["HFY_STOP_TIMEOUT"] = "20" }, TimeSpan.FromSeconds(60));
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Logs of processes that are still exiting; the OS cleans its temp folder.
        }
    }

    private static (int Code, string Out, string Err) Script(string name, string[] args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Scripts, name));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private Dictionary<string, string> Environment(int clusterPort, string http) => new()
    {
        ["HFY_DLL"] = ProcessGroup.HfyDll,
        ["HFY_LOCAL_DIR"] = _dir,
        ["HFY_PORT"] = clusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["HFY_HTTP"] = http,
        ["HFY_UP_TIMEOUT"] = "150",
        ["HFY_TOKEN"] = "",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BusyPort_IsRefusedBeforeAnythingStarts(bool httpBusy)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((IPEndPoint)holder.LocalEndpoint).Port;
        var free = ProcessGroup.FreePort();
        var env = httpBusy ? Environment(free, $"127.0.0.1:{busy}") : Environment(busy, $"127.0.0.1:{free}");
        env["HFY_UP_TIMEOUT"] = "5";

        var (code, _, err) = Script("start-local.sh", ["1"], env, TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains($"port {busy} is already in use", err, StringComparison.Ordinal);
        Assert.Contains(httpBusy ? "HFY_HTTP" : "HFY_PORT", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "pids")) && File.ReadAllText(Path.Combine(_dir, "pids")).Trim().Length > 0, "processes were started");
    }

    [Fact]
    public async Task ExposedHttpBind_StartsWithAGeneratedToken_ThatTheApiRequires()
    {
        var httpPort = ProcessGroup.FreePort();
        var (code, output, err) = Script("start-local.sh", ["1"], Environment(ProcessGroup.FreePort(), $"0.0.0.0:{httpPort}"), TimeSpan.FromSeconds(240));
        Assert.True(code == 0, $"start-local.sh exited {code}: {err}\n{output}");
        Assert.Contains("cluster up: 2 members", output, StringComparison.Ordinal);

        var tokenFile = Path.Combine(_dir, "token");
        var token = File.ReadAllText(tokenFile).Trim();
        Assert.True(token.Length >= 32, "token too short");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(20) };
        using (var anonymous = await http.GetAsync("api/cluster"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/cluster");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var authorized = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }
}
