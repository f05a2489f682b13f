using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

public class OnlineSoftmaxTests
{
    [Fact]
    public void MergedPartitionStates_EqualTheDirectSoftmaxReadout()
    {
        var rng = new Random(81);
        for (var c = 0; c < 50; c++)
        {
            const int dim = 5;
            var n = 1 + rng.Next(300);
            var rows = Enumerable.Range(0, n * dim).Select(_ => (float)Normal(rng)).ToArray();
            var spread = Math.Exp((rng.NextDouble() * 8) - 2);
            var scores = Enumerable.Range(0, n).Select(_ => (float)(spread * Normal(rng))).ToArray();

            var p = Apply(new Softmax(), [.. scores.Select(s => (double)s)]);
            var expected = new double[dim];
            for (var i = 0; i < n; i++)
            {
                for (var d = 0; d < dim; d++)
                {
                    expected[d] += p[i] * rows[(i * dim) + d];
                }
            }

            // Random contiguous partitions, merged in a random order.
            var cuts = Enumerable.Range(0, rng.Next(6)).Select(_ => rng.Next(n + 1)).Append(0).Append(n).Distinct().Order().ToArray();
            var states = cuts.Zip(cuts.Skip(1), (a, b) => OnlineSoftmax.FromScores(scores.AsSpan(a, b - a), rows.AsSpan(a * dim, (b - a) * dim), dim))
                .OrderBy(_ => rng.Next()).ToList();
            var merged = OnlineSoftmax.MergeAll(states, dim);
            var readout = new double[dim];
            merged.Readout(readout);
            Close(expected, readout, 1e-12, $"case {c}");

            double max = scores.Max();
            Assert.Equal(max + Math.Log(scores.Sum(s => Math.Exp((double)s - max))), merged.LogSumExp, 1e-9);
            Assert.Equal(p[0], merged.Weight(scores[0]), 1e-12);
        }
    }

    [Fact]
    public void EmptyAndMaskedPartitions_ChangeNothing()
    {
        float[] rows = [1, 2, 3, 4];
        var a = OnlineSoftmax.FromScores([0.5f, float.NegativeInfinity], rows, 2);
        var masked = OnlineSoftmax.FromScores([float.NegativeInfinity], [9, 9], 2);
        Assert.True(masked.IsEmpty);
        var merged = masked.Merge(a).Merge(OnlineSoftmaxState.Empty(2));
        var readout = new double[2];
        merged.Readout(readout);
        Assert.Equal([1.0, 2.0], readout);
    }

    [Fact]
    public void FromScores_OfHugeScores_StaysFinite()
    {
        var s = OnlineSoftmax.FromScores([3e38f, -3e38f, 3e38f], [1, 0, 5], 1);
        var readout = new double[1];
        s.Readout(readout);
        Assert.Equal(3.0, readout[0], 12);
    }

    [Fact]
    public void FromScores_WithMismatchedRows_NamesRows()
    {
        var ex = Assert.Throws<ArgumentException>(() => OnlineSoftmax.FromScores([1f, 2f], [1f, 2f, 3f], 2));
        Assert.Equal("rows", ex.ParamName);
    }
}
