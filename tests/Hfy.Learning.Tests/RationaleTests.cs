using Hfy.Kernels.Maps;
using Hfy.Learning.Experiments;
using Hfy.Learning.Rationale;

namespace Hfy.Learning.Tests;

public sealed class RationaleTests
{
    [Fact]
    public void Runs_CountsMaximalBlocksOfConsecutiveIndices()
    {
        Assert.Equal(1, RationaleTask.Runs([3, 4, 5, 6, 7]));
        Assert.Equal(5, RationaleTask.Runs([0, 2, 4, 6, 8]));
        Assert.Equal(2, RationaleTask.Runs([1, 2, 9, 10, 11]));
        Assert.Equal(0, RationaleTask.Runs([]));
    }

    [Fact]
    public void TopK_TakesTheLargestWeights_TiesToTheLowerIndex()
    {
        var into = new int[3];
        RationaleTask.TopK([0.1, 0.9, 0.5, 0.9, 0.0, 0.5], into);
        Assert.Equal([1, 2, 3], into);
    }

    [Fact]
    public void Generate_PlantsOneSpanPerSequence_CarryingTheMarkerAndTheLabel()
    {
        var task = new RationaleData(Length: 20, Dim: 4, Span: 4, Marker: 50, Signal: 30, Train: 10, Test: 10);
        var (data, starts) = task.Generate(3);
        var buffer = new Hfy.Learning.Tensors.Matrix(0, 4);
        for (var s = 0; s < data.Count; s++)
        {
            var x = data.Bag(s, buffer);
            for (var t = 0; t < 20; t++)
            {
                var inSpan = t >= starts[s] && t < starts[s] + 4;
                Assert.Equal(inSpan, x[t, 0] > 25);
                if (inSpan)
                {
                    Assert.Equal(data.Labels[s] == 1, x[t, 1] > 0);
                }
            }
        }
    }

    /// <summary>
    /// The papers' claim on the planted-span task: sequential k-subsets (adjacency bonus w = 2) selects more contiguous
    /// rationales (fewer runs) than k-subsets with the same k, over the same seeds, data and training.
    /// </summary>
    [Fact]
    public void SequentialKSubsets_GivesMoreContiguousRationales_ThanKSubsets()
    {
        var spec = new RationaleSpec
        {
            Train = 300,
            Test = 100,
            Epochs = 12,
            Seeds = 2,
            Maps = [new LearningMap { Name = "ksubsets", K = 5 }, new LearningMap { Name = "seq-ksubsets", K = 5, W = 2 }],
        };
        Assert.Empty(spec.Validate());
        var plain = Enumerable.Range(0, 2).Select(s => spec.Run(0, s)).ToArray();
        var sequential = Enumerable.Range(0, 2).Select(s => spec.Run(1, s)).ToArray();
        var plainRuns = plain.Average(m => m.Runs!.Value);
        var seqRuns = sequential.Average(m => m.Runs!.Value);
        Assert.True(seqRuns < plainRuns, $"runs: sequential {seqRuns}, k-subsets {plainRuns}");
        Assert.All(sequential.Concat(plain), m => Assert.InRange(m.Runs!.Value, 1.0, 5.0));
        Assert.Equal(MapSpec.SeqKSubsets(5, 2).Label, sequential[0].Map);
    }
}
