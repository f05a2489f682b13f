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
}
