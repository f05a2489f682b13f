using Hfy.Cli.Hosting;

namespace Hfy.Coordinator.Tests.Deploy;

public sealed class HostSettingsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Environment_FillsWhatFlagsLeaveOut_AndFlagsWin()
    {
        var env = Env(("HFY_SEEDS", "10.0.0.1:4053, akka.tcp://hfy@10.0.0.2:4053"), ("HFY_HOST", "0.0.0.0"), ("HFY_PUBLIC_HOST", "node-a"),
            ("HFY_PORT", "4100"), ("HFY_ROLES", "bank"), ("HFY_HTTP", "0.0.0.0:8080"), ("HFY_TOKEN", "tok-1234567890abcdef"), ("HFY_DATA", "/tmp/hfy-data"));
        var (s, error) = HostSettings.Resolve(new HostFlags(Port: "4200", Roles: "bank,extra"), coordinator: false, env);
        Assert.Null(error);
        Assert.Equal(["akka.tcp://hfy@10.0.0.1:4053", "akka.tcp://hfy@10.0.0.2:4053"], s!.Seeds);
        Assert.Equal("0.0.0.0", s.Host);
        Assert.Equal("node-a", s.PublicHost);
        Assert.Equal(4200, s.Port);
        Assert.Equal(["bank", "extra"], s.Roles);
        Assert.Equal("0.0.0.0", s.HttpHost);
        Assert.Equal(8080, s.HttpPort);
        Assert.Equal("tok-1234567890abcdef", s.Token);
        Assert.Equal("/tmp/hfy-data", s.DataDir);
        Assert.Equal("akka.tcp://hfy@node-a:4200", s.SelfAddress);
    }

    [Fact]
    public void Defaults_AreLoopbackWithRolePerCommand()
    {
        var (c, error) = HostSettings.Resolve(new HostFlags(), coordinator: true, Env());
        Assert.Null(error);
        Assert.Equal("127.0.0.1", c!.Host);
        Assert.Equal(4053, c.Port);
        Assert.Equal(["coordinator"], c.Roles);
        Assert.Equal("127.0.0.1", c.HttpHost);
        Assert.Equal(5080, c.HttpPort);
        Assert.Empty(c.Seeds);

        var (n, _) = HostSettings.Resolve(new HostFlags(Seeds: "127.0.0.1:4053"), coordinator: false, Env());
        Assert.Equal(0, n!.Port);
        Assert.Equal(["bank"], n.Roles);
    }

    [Theory]
    [InlineData("--port", "70000", "port (--port / HFY_PORT): must be an integer in 0..65535 (got '70000')")]
    [InlineData("--seeds", "nohost", "seeds (--seeds / HFY_SEEDS): 'nohost' must be host:port with a port in 1..65535")]
    [InlineData("--seeds", "akka.tcp://other@h:1", "seeds (--seeds / HFY_SEEDS): 'akka.tcp://other@h:1' must start with akka.tcp://hfy@")]
    [InlineData("--http", "0.0.0.0", "http (--http / HFY_HTTP): must be host:port with a port in 0..65535 (got '0.0.0.0')")]
    [InlineData("--roles", "bank;x", "roles (--roles / HFY_ROLES): 'bank;x' may hold only letters, digits, '-' and '_'")]
    [InlineData("--token", "short", "token (--token / HFY_TOKEN): must be at least 16 characters")]
    public void BadValues_GiveOneLineNamingFlagAndVariable(string flag, string value, string expected)
    {
        var flags = flag switch
        {
            "--port" => new HostFlags(Port: value),
            "--seeds" => new HostFlags(Seeds: value),
            "--http" => new HostFlags(Http: value),
            "--roles" => new HostFlags(Roles: value),
            _ => new HostFlags(Token: value),
        };
        var (s, error) = HostSettings.Resolve(flags, coordinator: true, Env());
        Assert.Null(s);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Node_WithoutSeeds_IsRefused()
    {
        var (s, error) = HostSettings.Resolve(new HostFlags(), coordinator: false, Env());
        Assert.Null(s);
        Assert.Equal("seeds (--seeds / HFY_SEEDS): a node needs at least one seed (the coordinator's host:port)", error);
    }

    [Fact]
    public void Precedence_IsFlagThenVariableThenJsonFileThenDefault()
    {
        using var dir = new TempFile("{\"HOST\": \"10.1.1.1\", \"PORT\": 4101, \"ROLES\": \"from-file\", \"public_host\": \"file-host\", \"TOKEN\": \"file-token-0123456789\"}");
        var env = Env(("HFY_CONFIG_FILE", dir.Path), ("HFY_PORT", "4102"), ("HFY_ROLES", "from-env"), ("HFY_TOKEN", ""));
        var (s, error) = HostSettings.Resolve(new HostFlags(Roles: "from-flag"), coordinator: true, env);
        Assert.Null(error);
        Assert.Equal(["from-flag"], s!.Roles);                // flag over variable and file
        Assert.Equal(4102, s.Port);                           // variable over file
        Assert.Equal("10.1.1.1", s.Host);                     // file over default
        Assert.Equal("file-host", s.PublicHost);              // keys are case-insensitive
        Assert.Equal("file-token-0123456789", s.Token);       // an empty variable counts as not set
        Assert.Equal((HostSettings.DefaultHttpPort, "127.0.0.1"), (s.HttpPort, s.HttpHost)); // set nowhere: default
    }

    [Fact]
    public void ConfigFileFlag_WinsOverTheVariable()
    {
        using var fromFlag = new TempFile("{\"PORT\": \"4201\"}");
        using var fromEnv = new TempFile("{\"PORT\": \"4202\"}");
        var (s, error) = HostSettings.Resolve(new HostFlags(ConfigFile: fromFlag.Path), coordinator: true, Env(("HFY_CONFIG_FILE", fromEnv.Path)));
        Assert.Null(error);
        Assert.Equal(4201, s!.Port);
    }

    [Fact]
    public void ValuesFromTheJsonFile_MeetTheSameRules()
    {
        using var file = new TempFile("{\"PORT\": 70000}");
        var (s, error) = HostSettings.Resolve(new HostFlags(ConfigFile: file.Path), coordinator: true, Env());
        Assert.Null(s);
        Assert.Equal("port (--port / HFY_PORT): must be an integer in 0..65535 (got '70000')", error);
    }

    [Theory]
    [InlineData("{\"PORT\": ", "is not a JSON object of settings")]
    [InlineData("[1, 2]", "is not a JSON object of settings")]
    public void MalformedJsonFile_IsOneLineNamingTheFile(string json, string expected)
    {
        using var file = new TempFile(json);
        var (s, error) = HostSettings.Resolve(new HostFlags(), coordinator: true, Env(("HFY_CONFIG_FILE", file.Path)));
        Assert.Null(s);
        Assert.StartsWith($"config-file (--config-file / HFY_CONFIG_FILE): '{file.Path}' {expected} (", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Fact]
    public void MissingJsonFile_IsRefused()
    {
        var (s, error) = HostSettings.Resolve(new HostFlags(ConfigFile: "/nonexistent/hfy.json"), coordinator: true, Env());
        Assert.Null(s);
        Assert.Equal("config-file (--config-file / HFY_CONFIG_FILE): file '/nonexistent/hfy.json' not found", error);
    }

    internal sealed class TempFile : IDisposable
    {
        public TempFile(string text)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"hfy-settings-{Guid.NewGuid():N}.json");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}

/// <summary>The process's own HFY_* variables go through the environment-variables provider (no other test runs meanwhile).</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class HostSettingsProcessEnvironmentTests
{
    [Fact]
    public void ProcessVariables_OverrideTheFileTheyName_AndFlagsOverrideThem()
    {
        using var file = new HostSettingsTests.TempFile("{\"PORT\": 4301, \"PUBLIC_HOST\": \"file-host\", \"ROLES\": \"from-file\"}");
        string[] names = ["HFY_CONFIG_FILE", "HFY_PORT", "HFY_ROLES"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("HFY_CONFIG_FILE", file.Path);
            Environment.SetEnvironmentVariable("HFY_PORT", "4302");
            Environment.SetEnvironmentVariable("HFY_ROLES", "from-env");
            var (s, error) = HostSettings.Resolve(new HostFlags(Roles: "from-flag"), coordinator: true);
            Assert.Null(error);
            Assert.Equal((4302, "file-host"), (s!.Port, s.PublicHost));
            Assert.Equal(["from-flag"], s.Roles);
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}

/// <summary>Tests that change the process environment run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}
