using Hfy.Kernels.Structured;

namespace Hfy.Kernels.Tests.Structured;

public class SelectionTests
{
    [Fact]
    public void KthLargest_BothMethods_MatchASort()
    {
        var rng = new Random(31);
        for (int rep = 0; rep < 300; rep++)
        {
            int n = rng.Next(1, 500), k = rng.Next(1, n + 1);
            // Coarse values so ties are common.
            var values = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 20) / 4).ToArray();
            double expected = values.OrderByDescending(v => v).ElementAt(k - 1);
            Assert.Equal(expected, Selection.KthLargestStreaming(values, k));
            Assert.Equal(expected, Selection.KthLargest((double[])values.Clone(), k));
        }
    }

    [Fact]
    public void KthLargestStreaming_SkipsMaskedValues()
    {
        Assert.Equal(1.0, Selection.KthLargestStreaming([double.NegativeInfinity, 3, 1, double.NegativeInfinity], 2));
        Assert.Null(Selection.KthLargestStreaming([double.NegativeInfinity, 3], 2));
    }
}
