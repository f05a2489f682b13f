using Hfy.Kernels.Maps;
using Hfy.Learning.Associative;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Tests;

public sealed class AssociationGradientTests
{
    public static TheoryData<string, double> MapsAndBetas()
    {
        var data = new TheoryData<string, double>();
        foreach (var map in new[] { "softmax", "entmax-1.5", "entmax-1.2", "sparsemax", "normmax-2", "normmax-10", "ksubsets-2", "ksubsets-8", "seq-2" })
        {
            foreach (var beta in new[] { 0.01, 1.0, 100.0 })
            {
                data.Add(map, beta);
            }
        }

        return data;
    }

    /// <summary>A seed that is the same in every process (HashCode is randomized per process).</summary>
    private static int Seed(string map, double beta, int salt) =>
        (map.Aggregate(17, (h, ch) => (h * 31) + ch) * 7) + (int)(beta * 100) + (salt * 1_000_003) + SeedOffset;

    /// <summary>Set HFY_GRADCHECK_SEED to sweep other seeds.</summary>
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("HFY_GRADCHECK_SEED"), out var s) ? s : 0;

    /// <summary>
    /// Finite-difference step: smaller at β = 100 (steep scores, truncation error), larger for sequential k-subsets,
    /// whose active-set solve is exact only to its stopping tolerance (that error is divided by the step).
    /// </summary>
    private static double Step(string map, double beta) => map.StartsWith("seq", StringComparison.Ordinal) ? 1e-5 : beta >= 100 ? 1e-7 : 1e-6;

    internal static MapSpec Spec(string name) => name switch
    {
        "softmax" => MapSpec.Softmax,
        "entmax-1.5" => MapSpec.Entmax(1.5),
        "entmax-1.2" => MapSpec.Entmax(1.2),
        "sparsemax" => MapSpec.Sparsemax,
        "normmax-2" => MapSpec.Normmax(2),
        "normmax-10" => MapSpec.Normmax(10),
        "ksubsets-2" => MapSpec.KSubsets(2),
        "ksubsets-8" => MapSpec.KSubsets(8),
        "seq-2" => MapSpec.SeqKSubsets(2, 0.5),
        _ => throw new ArgumentException(name),
    };

    private static Matrix Input(int rows, int cols, Random rng, out double[] storage, bool tie = false)
    {
        storage = new double[rows * cols];
        for (var i = 0; i < storage.Length; i++)
        {
            storage[i] = (2 * rng.NextDouble()) - 1;
        }

        if (tie && rows > 1)
        {
            // Two identical stored rows: tied scores in every head.
            Array.Copy(storage, 0, storage, cols, cols);
        }

        return new Matrix(rows, cols, storage);
    }

    private static (int Min, int Max) SupportRange(HopfieldAssociation a, int n)
    {
        var w = a.LastWeights;
        int min = int.MaxValue, max = 0;
        for (var o = 0; o < w.Length; o += n)
        {
            var count = 0;
            for (var j = 0; j < n; j++)
            {
                count += w[o + j] > 0 ? 1 : 0;
            }

            min = Math.Min(min, count);
            max = Math.Max(max, count);
        }

        return (min, max);
    }

    [Theory]
    [MemberData(nameof(MapsAndBetas))]
    public void HopfieldPooling_Gradients_MatchFiniteDifferences(string map, double beta)
    {
        var rng = new Random(Seed(map, beta, 11));
        var n = 3 + rng.Next(5);
        var d = 2 + rng.Next(4);
        var options = new HopfieldOptions(Spec(map), Heads: 2, HiddenSize: 1 + rng.Next(3), Beta: beta, ProjectionStd: 0.7);
        var pooling = new HopfieldPooling(d, 3, options, rng, quantity: 2);
        var x = Input(n, d, rng, out var xs, tie: true);
        GradCheck.Run(() => pooling.Forward(x), c =>
        {
            pooling.ZeroGrad();
            pooling.Forward(x);
            var dx = pooling.Backward(c);
            return [.. GradCheck.ParameterSlots(pooling), GradCheck.InputSlot("x", x, dx, xs)];
        }, rng, h: Step(map, beta));

        // At β = 0.01 every map but the budgeted ones (k &lt; N) spreads over all N instances.
        pooling.Forward(Input(n, d, rng, out _));
        var (min, max) = SupportRange(pooling.Association, n);
        if (beta <= 0.01 && map is not ("ksubsets-2" or "seq-2"))
        {
            Assert.Equal(n, min);
        }

        Assert.InRange(max, 1, n);
    }

    [Theory]
    [InlineData("softmax", 1.0)]
    [InlineData("entmax-1.5", 4.0)]
    [InlineData("sparsemax", 2.0)]
    [InlineData("normmax-2", 1.0)]
    [InlineData("ksubsets-2", 3.0)]
    [InlineData("seq-2", 1.0)]
    public void Hopfield_TwoSets_WithDropout_GradientsMatchFiniteDifferences(string map, double beta)
    {
        var rng = new Random(Seed(map, beta, 12));
        var options = new HopfieldOptions(Spec(map), Heads: 3, HiddenSize: 2, Beta: beta, Dropout: 0.4, ProjectionStd: 0.5);
        var layer = new Hopfield(3, 4, 2, options, rng);
        var r = Input(3, 3, rng, out var rs);
        var y = Input(6, 4, rng, out var ys);
        Matrix Forward()
        {
            layer.Association.Generator = new Random(4);
            return layer.Forward(r, y);
        }

        GradCheck.Run(Forward, c =>
        {
            layer.ZeroGrad();
            Forward();
            var (dr, dy) = layer.Backward(c);
            return [.. GradCheck.ParameterSlots(layer), GradCheck.InputSlot("r", r, dr, rs), GradCheck.InputSlot("y", y, dy, ys)];
        }, rng);
    }

    [Theory]
    [InlineData("softmax", 0.5)]
    [InlineData("entmax-1.5", 2.0)]
    [InlineData("sparsemax", 10.0)]
    [InlineData("normmax-2", 1.0)]
    [InlineData("ksubsets-2", 2.0)]
    [InlineData("seq-2", 3.0)]
    public void HopfieldLayer_LearnedMemories_GradientsMatchFiniteDifferences(string map, double beta)
    {
        var rng = new Random(Seed(map, beta, 13));
        var options = new HopfieldOptions(Spec(map), Heads: 2, HiddenSize: 3, Beta: beta, LayerNorms: map != "softmax", ProjectionStd: 0.5);
        var layer = new HopfieldLayer(4, 3, quantity: 5, memorySize: 3, options, rng);
        var x = Input(4, 4, rng, out var xs);
        GradCheck.Run(() => layer.Forward(x), c =>
        {
            layer.ZeroGrad();
            layer.Forward(x);
            var dx = layer.Backward(c);
            return [.. GradCheck.ParameterSlots(layer), GradCheck.InputSlot("x", x, dx, xs)];
        }, rng);
    }

    [Theory]
    [InlineData("sparsemax")]
    [InlineData("entmax-1.5")]
    [InlineData("normmax-2")]
    [InlineData("normmax-10")]
    public void SparseMaps_AtSupportOfSizeOne_GradientsMatchFiniteDifferences(string map)
    {
        // Search seeds for a bag whose weights sit on a single instance at β = 100, then check the gradients there.
        for (var seed = 0; seed < 200; seed++)
        {
            var rng = new Random(seed);
            var options = new HopfieldOptions(Spec(map), Heads: 1, HiddenSize: 2, Beta: 100, ProjectionStd: 0.7);
            var pooling = new HopfieldPooling(3, 2, options, rng);
            var x = Input(5, 3, rng, out var xs);
            pooling.Forward(x);
            if (SupportRange(pooling.Association, 5).Max != 1)
            {
                continue;
            }

            var (_, count) = GradCheck.Run(() => pooling.Forward(x), c =>
            {
                pooling.ZeroGrad();
                pooling.Forward(x);
                var dx = pooling.Backward(c);
                return [.. GradCheck.ParameterSlots(pooling), GradCheck.InputSlot("x", x, dx, xs)];
            }, rng);
            Assert.True(count > 0);
            Assert.All(pooling.Query.Grad, g => Assert.Equal(0.0, g));
            return;
        }

        Assert.Fail($"{map}: no seed gave a support of size 1");
    }

    [Fact]
    public void KSubsets_OnBagsWithAtMostKInstances_SelectsEveryInstance()
    {
        var map = new AssociationMap(MapSpec.KSubsets(5));
        var p = new double[4];
        map.Forward([3.0, -1.0, 0.5, 2.0], p);
        Assert.All(p, v => Assert.Equal(1.0, v));
        var dtheta = new double[4];
        map.Backward([3.0, -1.0, 0.5, 2.0], p, [1.0, 2.0, 3.0, 4.0], dtheta);
        Assert.All(dtheta, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Pooling_OfOneInstance_ReturnsItsValueProjection_ForEveryMap()
    {
        foreach (var name in new[] { "softmax", "entmax-1.5", "sparsemax", "normmax-10", "ksubsets-2" })
        {
            var rng = new Random(1);
            var options = new HopfieldOptions(Spec(name), Heads: 1, HiddenSize: 2, LayerNorms: false, ProjectionStd: 0.3);
            var pooling = new HopfieldPooling(3, 3, options, rng);
            var x = Input(1, 3, rng, out _);
            pooling.Forward(x);
            var w = pooling.Association.LastWeights;
            Assert.Equal(1.0, w[0], 12);
        }
    }
}
