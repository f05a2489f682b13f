using System.Text.RegularExpressions;
using Hfy.Experiments;
using Hfy.Cli.Hosting;
using Hfy.Coordinator.Tests.Web;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary>The deploy files stay in step with what the hosts read.</summary>
public sealed partial class DeployFilesTests
{
    // Variables only the local scripts read (documented in start-local.sh / stop-local.sh).
    private static readonly string[] ScriptVariables = ["HFY_LOCAL_DIR", "HFY_DLL", "HFY_UP_TIMEOUT", "HFY_STOP_TIMEOUT"];

    private static string Deploy => Path.Combine(BrowserHarness.RepositoryRoot() ?? throw new InvalidOperationException("repository root not found"), "deploy");

    [Fact]
    public void EveryHfyVariableInTheDeployFiles_IsOneTheHostsRead()
    {
        var files = Directory.EnumerateFiles(Deploy, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".sh" or ".yaml" or "" or ".md")
            .ToList();
        Assert.Contains(files, f => f.EndsWith("Dockerfile", StringComparison.Ordinal));
        var used = files.SelectMany(f => HfyVariable().Matches(File.ReadAllText(f)).Select(m => m.Value)).ToHashSet();
        Assert.Contains("HFY_SEEDS", used);
        var known = HostSettings.Variables.Keys.Concat(ScriptVariables).Append("HFY_COORDINATOR").ToHashSet();
        Assert.Empty(used.Except(known));
    }

    [Fact]
    public void KubernetesSeeds_NameTheStatefulSetPodsBehindTheHeadlessService()
    {
        var bank = File.ReadAllText(Path.Combine(Deploy, "k8s", "bank.yaml"));
        Assert.Contains("clusterIP: None", bank, StringComparison.Ordinal);
        Assert.Contains("kind: StatefulSet", bank, StringComparison.Ordinal);
        Assert.Contains("serviceName: hfy-bank", bank, StringComparison.Ordinal);
        Assert.Contains("value: $(POD_NAME).hfy-bank", bank, StringComparison.Ordinal);
        var seeds = Regex.Match(bank, @"seeds: (\S+)").Groups[1].Value.Split(',');
        Assert.Equal(["hfy-bank-0.hfy-bank:4053", "hfy-bank-1.hfy-bank:4053"], seeds);
        foreach (var seed in seeds)
        {
            Assert.NotNull(HostSettings.NormalizeSeed(seed, out _));
        }
    }

    [Fact]
    public void ExampleSpec_PassesTheSameValidationAsHfyRun()
    {
        var (spec, errors) = SpecValidator.ParseAndValidate(File.ReadAllText(Path.Combine(Deploy, "examples", "capacity-small.json")), SpecLimits.Default);
        Assert.Empty(errors);
        Assert.Equal(12, GridExpansion.Count(spec!));
    }

    [GeneratedRegex(@"\bHFY_[A-Z_]+\b")]
    private static partial Regex HfyVariable();
}
