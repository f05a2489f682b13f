using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>Helpers shared by the map tests: comparisons, random scores, and a local threshold-search driver.</summary>
internal static class MapTestUtil
{
    /// <summary>Every map the property tests run over (name → spec).</summary>
    public static TheoryData<string> AllMaps =>
    [
        "softmax", "entmax-1.25", "entmax-1.5", "entmax-2", "entmax-3", "entmax-2.5",
        "sparsemax", "normmax-1.5", "normmax-2", "normmax-5",
        "ksubsets-1", "ksubsets-1.5", "ksubsets-2", "ksubsets-3", "ksubsets-2-norm",
    ];

    /// <summary>The sparse (threshold) maps.</summary>
    public static TheoryData<string> ThresholdMaps =>
    [
        "entmax-1.25", "entmax-1.5", "entmax-2", "entmax-3", "entmax-2.5",
        "sparsemax", "normmax-1.5", "normmax-2", "normmax-5",
        "ksubsets-1", "ksubsets-2", "ksubsets-3", "ksubsets-2-norm",
    ];

    public static MapSpec Spec(string name)
    {
        var parts = name.Split('-');
        return parts[0] switch
        {
            "softmax" => MapSpec.Softmax,
            "sparsemax" => MapSpec.Sparsemax,
            "entmax" => MapSpec.Entmax(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)),
            "normmax" => MapSpec.Normmax(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)),
            "ksubsets" => MapSpec.KSubsets(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts.Length > 2),
            _ => throw new ArgumentException(name),
        };
    }

    /// <summary>The map; entmax-2 deliberately uses the Entmax class (not the factory's sparsemax route).</summary>
    public static IMap Map(string name) => name == "entmax-2" ? new Entmax(2.0) : MapFactory.Create(Spec(name));

    /// <summary>Margin m of docs/math.md §2/§4 (NaN for softmax).</summary>
    public static double Margin(IMap map) => map switch
    {
        Entmax e => 1.0 / (e.Alpha - 1.0),
        Sparsemax or Normmax or KSubsets => 1.0,
        _ => double.NaN,
    };

    public static int MinN(IMap map) => map is KSubsets k ? k.Spec.SubsetSize : 1;

    public static double[] Apply(IMap map, ReadOnlySpan<double> theta)
    {
        var p = new double[theta.Length];
        map.Forward(theta, p);
        return p;
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tol, string? because = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tol))
            {
                Assert.Fail($"{because} index {i}: expected {expected[i]:R}, got {actual[i]:R} (tol {tol:G3}); " +
                            $"expected [{string.Join(", ", expected.ToArray().Take(12).Select(v => v.ToString("G6")))}], " +
                            $"actual [{string.Join(", ", actual.ToArray().Take(12).Select(v => v.ToString("G6")))}]");
            }
        }
    }

    public static double Normal(Random rng)
    {
        var u = 1.0 - rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * rng.NextDouble());
    }

    /// <summary>Random scores: N in [minN, maxN], scale drawn so that supports range from one-hot to dense.</summary>
    public static double[] RandomTheta(Random rng, int minN, int maxN)
    {
        var n = rng.Next(minN, maxN + 1);
        var scale = Math.Exp((rng.NextDouble() * 5) - 2.5);
        var theta = new double[n];
        for (var i = 0; i < n; i++)
        {
            theta[i] = scale * Normal(rng);
        }

        return theta;
    }

    /// <summary>
    /// Runs a map's threshold search over <paramref name="scores"/> split into <paramref name="parts"/>
    /// contiguous partitions, exactly as the distributed engine would (each partition probes, the
    /// coordinator sums the summaries in partition order and absorbs them).
    /// </summary>
    public static (double Tau, int Rounds) Search(IThresholdMap map, float[] scores, int parts)
    {
        var size = (scores.Length + parts - 1) / parts;
        var partitions = new List<ReadOnlyMemory<float>>();
        for (var start = 0; start < scores.Length; start += size)
        {
            partitions.Add(scores.AsMemory(start, Math.Min(size, scores.Length - start)));
        }

        var result = ThresholdSolver.Solve(map, partitions);
        Assert.Equal(scores.Count(float.IsFinite), result.Count);
        return (result.Tau, result.Rounds);
    }

    /// <summary>The output p from weights at τ, the way partitions and the coordinator compute it.</summary>
    public static double[] WeightsAt(IThresholdMap map, ReadOnlySpan<double> theta, double tau)
    {
        var p = new double[theta.Length];
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = double.IsNegativeInfinity(theta[i]) ? 0.0 : map.Weight(theta[i], tau);
            sum += p[i];
        }

        if (map.WeightsNeedNormalizing)
        {
            for (var i = 0; i < p.Length; i++)
            {
                p[i] /= sum;
            }
        }

        return p;
    }
}
