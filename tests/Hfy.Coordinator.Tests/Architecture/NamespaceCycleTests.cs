using Hfy.Coordinator.Tests.Architecture.CycleFixture.Left;

namespace Hfy.Coordinator.Tests.Architecture;

/// <summary>Issue #11: no namespace uses another that (directly or through others) uses it back.</summary>
public class NamespaceCycleTests
{
    /// <summary>Every assembly of the product (src/), found from Hfy.Cli, which references all the libraries.</summary>
    private static IEnumerable<string> ProductAssemblies()
    {
        var root = typeof(Hfy.Cli.HfyCommandLine).Assembly;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal) { [root.GetName().Name!] = root.Location };
        var pending = new Queue<System.Reflection.Assembly>([root]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (name.Name is null || !name.Name.StartsWith("Hfy.", StringComparison.Ordinal) || seen.ContainsKey(name.Name)) continue;
                var referenced = System.Reflection.Assembly.Load(name);
                seen[name.Name] = referenced.Location;
                pending.Enqueue(referenced);
            }
        }
        return seen.Values;
    }

    private static bool IsProduct(string ns) => ns == "Hfy" || ns.StartsWith("Hfy.", StringComparison.Ordinal);

    [Fact]
    public void ProductAssemblies_AreAllRead()
    {
        var names = ProductAssemblies().Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Hfy.Actors", "Hfy.Cli", "Hfy.Coordinator", "Hfy.Experiments", "Hfy.Kernels", "Hfy.Learning", "Hfy.Web"],
            names);
    }

    [Fact]
    public void ProductNamespaces_FormNoCycle()
    {
        var graph = new NamespaceGraph();
        foreach (var path in ProductAssemblies()) graph.Add(path, IsProduct);

        // The reader sees the arrows the architecture draws (docs/architecture.md), so an empty answer means something.
        Assert.Contains("Hfy.Kernels.Retrieval", graph.Edges["Hfy.Actors.Retrieval"].Keys);
        Assert.Contains("Hfy.Coordinator.Engine", graph.Edges["Hfy.Web"].Keys);

        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0,
            "Namespace cycles:\n" + string.Join("\n", cycles.Select(c => $"{{{string.Join(", ", c)}}}\n{string.Join("\n", graph.Explain(c))}")));
    }

    [Fact]
    public void Checker_FindsACycleMadeOnlyInMethodBodies()
    {
        const string fixture = "Hfy.Coordinator.Tests.Architecture.CycleFixture";
        var graph = new NamespaceGraph();
        graph.Add(typeof(LeftType).Assembly.Location, ns => ns.StartsWith(fixture + ".", StringComparison.Ordinal));

        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal([fixture + ".Left", fixture + ".Right"], cycle);
        Assert.Contains(fixture + ".Leaf", graph.Edges[fixture + ".Left"].Keys);
        Assert.Equal(3, graph.Namespaces.Count);
    }
}
