using System.Text.Json;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Dynamics;

/// <summary>Reproduces the q- and p-traces of golden_vectors.json through <see cref="HfyDynamics.Run(Bank, ReadOnlySpan{float}, RetrievalOptions)"/>.</summary>
public class GoldenTraceTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "shared", "data", "golden_vectors.json"))
               && !File.Exists(Path.Combine(dir, "..", "shared", "data", "golden_vectors.json")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        Assert.NotNull(dir);
        var path = File.Exists(Path.Combine(dir, "shared", "data", "golden_vectors.json"))
            ? Path.Combine(dir, "shared", "data", "golden_vectors.json")
            : Path.Combine(dir, "..", "shared", "data", "golden_vectors.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    });

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "softmax", "entmax1.5", "sparsemax", "entmax_bisect_a3", "normmax2", "normmax5",
                     "ksubsets2(budget,sum=2)", "l2norm_sparsemax", "l2norm_normmax2", "l2norm_softmax" })
        {
            for (var t = 0; t <= 3; t++) data.Add(name, t);
        }
        return data;
    }

    private static (MapSpec Map, PostTransform Post) Describe(string name) => name switch
    {
        "softmax" => (MapSpec.Softmax, PostTransform.Identity),
        "entmax1.5" => (MapSpec.Entmax(1.5), PostTransform.Identity),
        "sparsemax" => (MapSpec.Sparsemax, PostTransform.Identity),
        "entmax_bisect_a3" => (MapSpec.Entmax(3), PostTransform.Identity),
        "normmax2" => (MapSpec.Normmax(2), PostTransform.Identity),
        "normmax5" => (MapSpec.Normmax(5), PostTransform.Identity),
        "ksubsets2(budget,sum=2)" => (MapSpec.KSubsets(2), PostTransform.Identity),
        "l2norm_sparsemax" => (MapSpec.Sparsemax, PostTransform.L2),
        "l2norm_normmax2" => (MapSpec.Normmax(2), PostTransform.L2),
        "l2norm_softmax" => (MapSpec.Softmax, PostTransform.L2),
        _ => throw new ArgumentException(name),
    };

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_ForTSteps_ReproducesGoldenStateAndWeights(string trace, int t)
    {
        var root = Root.Value;
        var x = root.GetProperty("X").EnumerateArray().SelectMany(Doubles).Select(v => (float)v).ToArray();
        var q0 = Doubles(root.GetProperty("q0")).Select(v => (float)v).ToArray();
        var beta = root.GetProperty("beta").GetDouble();
        var bank = new Bank(x, 5, 3);
        var (map, post) = Describe(trace);
        var entry = root.GetProperty("traces").GetProperty(trace)[t];
        Assert.Equal(t, entry.GetProperty("t").GetInt32());

        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(map, beta, t, Post: post));

        Assert.Equal(t, result.Steps);
        var q = Doubles(entry.GetProperty("q"));
        for (var k = 0; k < 3; k++) Assert.True(Math.Abs(q[k] - result.Q[k]) <= 1e-6, $"q[{k}]: {result.Q[k]} vs {q[k]}");
        var p = Doubles(entry.GetProperty("p"));
        var dense = new double[5];
        for (var j = 0; j < result.Ids.Length; j++) dense[result.Ids[j]] = result.Weights[j];
        for (var i = 0; i < 5; i++) Assert.True(Math.Abs(p[i] - dense[i]) <= 1e-6, $"p[{i}]: {dense[i]} vs {p[i]}");
        Assert.Equal(p.Count(v => v > 0), result.Support);
        Assert.Equal(t + 1, result.Energy.Length);
    }

    [Fact]
    public void Entmax3_RetrievesPatternZeroExactlyAfterOneStep()
    {
        var root = Root.Value;
        var x = root.GetProperty("X").EnumerateArray().SelectMany(Doubles).Select(v => (float)v).ToArray();
        var q0 = Doubles(root.GetProperty("q0")).Select(v => (float)v).ToArray();
        var bank = new Bank(x, 5, 3);
        Assert.Null(HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Entmax(3), 2.0, 0)).Retrieved);
        var result = HfyDynamics.Run(bank, q0, new RetrievalOptions(MapSpec.Entmax(3), 2.0, 3));
        Assert.Equal(0L, result.Retrieved);
        Assert.Equal([0L], result.Ids);
    }
}
