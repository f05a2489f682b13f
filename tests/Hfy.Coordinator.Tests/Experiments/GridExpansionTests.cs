using Hfy.Experiments;
using Hfy.Kernels.Dynamics;

namespace Hfy.Coordinator.Tests.Experiments;

public class GridExpansionTests
{
    private static ExperimentSpec Spec() => ExperimentSpec.Parse("""
        {
          "bank": { "source": "sphere", "seed": 1, "dim": 8 },
          "grid": { "sizes": [10, 100], "maps": [ { "name": "sparsemax" }, { "name": "entmax", "alpha": 1.5 }, { "name": "dam-poly", "n": 3 } ],
                    "betas": [1, 2.5], "posts": ["identity", "layernorm"], "noise": [0, 0.1, 0.2], "repeats": 2 }
        }
        """);

    [Fact]
    public void Expand_GivesTheFullProduct_WithUniqueKeys()
    {
        var cells = GridExpansion.Expand(Spec());
        Assert.Equal(2 * 2 * 3 * 2 * 2 * 3, cells.Count);
        Assert.Equal(cells.Count, GridExpansion.Count(Spec()));
        Assert.Equal(cells.Count, cells.Select(c => c.Key).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, cells.Count), cells.Select(c => c.Index));
        Assert.Equal(cells.Count / 2, cells.Select(c => c.GroupKey).Distinct().Count());
    }

    [Fact]
    public void Expand_IsStable_AndKeysReadTheParameters()
    {
        var a = GridExpansion.Expand(Spec()).Select(c => c.Key).ToArray();
        var b = GridExpansion.Expand(Spec()).Select(c => c.Key).ToArray();
        Assert.Equal(a, b);
        Assert.Equal("n=10|map=sparsemax|beta=1|post=identity|noise=0|r=0", a[0]);
        Assert.Equal("n=10|map=sparsemax|beta=1|post=identity|noise=0.1|r=0", a[1]);
        Assert.Contains("n=100|map=dam-poly-3|beta=2.5|post=layernorm|noise=0.2|r=1", a);
        Assert.Contains("n=10|map=entmax-1.5|beta=1|post=layernorm|noise=0|r=1", a);
    }

    [Fact]
    public void CellsOfOneBank_AreContiguous()
    {
        var cells = GridExpansion.Expand(Spec());
        var order = cells.Select(c => (c.N, c.Repeat)).ToArray();
        var groups = order.Distinct().ToArray();
        Assert.Equal(4, groups.Length);
        var runs = 1 + order.Zip(order.Skip(1)).Count(p => p.First != p.Second);
        Assert.Equal(groups.Length, runs);
    }

    [Fact]
    public void Maps_AreTyped()
    {
        var cells = GridExpansion.Expand(Spec());
        var dam = cells.First(c => c.Map.Label == "dam-poly-3");
        Assert.Equal(BaselineKind.DamPoly, dam.Map.Baseline);
        Assert.Equal(3, dam.Map.Degree);
        Assert.Null(dam.Map.Hfy);
        var ent = cells.First(c => c.Map.Label == "entmax-1.5");
        Assert.Equal(1.5, ent.Map.Hfy!.Alpha);
        Assert.Contains(cells, c => c.Post == PostTransform.LayerNorm);
    }

    [Fact]
    public void RecallSpecs_ExpandToProtocolCells_NTimesRepeatTimesMethodTimesBeta()
    {
        var free = GridExpansion.Expand(ExperimentSpec.Parse(RecallCellTests.SmallFreeRecall));
        Assert.Equal(2 * 2 * 3 * 2, free.Count);
        Assert.Equal(free.Count, GridExpansion.Count(ExperimentSpec.Parse(RecallCellTests.SmallFreeRecall)));
        Assert.Equal("n=12|map=csparsemax|beta=0.01|post=identity|noise=0|r=0", free[0].Key);
        Assert.Equal("n=40|map=penalized-softmax|beta=0.3|post=identity|noise=0|r=1", free[^1].Key);
        var methods = free.Select(c => (c.Map.Label, c.Map.Recall, c.Map.RecallAlpha)).Distinct().ToArray();
        Assert.Equal([("csparsemax", RecallMethod.ConstrainedSparsemax, 2.0), ("penalized-sparsemax", RecallMethod.Penalized, 2.0),
            ("penalized-softmax", RecallMethod.Penalized, 1.0)], methods);

        var seq = GridExpansion.Expand(ExperimentSpec.Parse(RecallCellTests.SmallSequentialRecall));
        Assert.Equal(2 * 2 * 2 * 2, seq.Count);
        Assert.Equal(seq.Count, seq.Select(c => c.Key).Distinct().Count());
        Assert.Equal([("seq2-sparsemax", RecallMethod.Sequential, 2.0), ("seq2-entmax-1.5", RecallMethod.Sequential, 1.5)],
            seq.Select(c => (c.Map.Label, c.Map.Recall, c.Map.RecallAlpha)).Distinct().ToArray());
        // The same entry in a capacity spec is the plain map.
        Assert.Null(CellMap.For(new MapEntry { Name = "sparsemax" }, ExperimentKind.Capacity).Recall);
    }
}

public class ExampleSpecTests
{
    private static string Examples => Path.Combine(FindRoot(), "examples");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hfy.Distributed.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void DemoSpec_IsTheExampleFile_AndValid()
    {
        // DemoSpec embeds examples/demo-capacity.json at build time: this catches an embedded copy older than the file.
        Assert.Equal(File.ReadAllText(Path.Combine(Examples, "demo-capacity.json")), DemoSpec.Json);
        Assert.Empty(SpecValidator.Validate(DemoSpec.Spec, SpecLimits.Default));
        Assert.Contains(1_000_000L, DemoSpec.Spec.Grid!.Sizes!);
        Assert.Contains(1_000L, DemoSpec.Spec.Grid!.Sizes!);
    }

    [Fact]
    public void EveryExample_IsValid_OrOnlyLacksTheDataset()
    {
        var files = Directory.GetFiles(Examples, "*.json");
        Assert.True(files.Length >= 6);
        foreach (var f in files)
        {
            var (spec, errors) = SpecValidator.ParseAndValidate(File.ReadAllText(f), SpecLimits.Default);
            Assert.NotNull(spec);
            var idx = (spec!.Bank?.Path is { } p && !File.Exists(p))
                || (spec.Mil?.Datasets?.Contains("fashion") == true && !Hfy.Learning.Mil.FashionBagSet.Available(Hfy.Learning.Mil.FashionBagSet.DefaultDirectory));
            if (idx)
            {
                var e = Assert.Single(errors);
                Assert.Contains("dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(errors.Count == 0, $"{Path.GetFileName(f)}: {string.Join("; ", errors)}");
            }
        }
    }
}
