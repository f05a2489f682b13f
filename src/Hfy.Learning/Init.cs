namespace Hfy.Learning;

/// <summary>Parameter initialisers (the PyTorch defaults the published code relies on), from a seeded generator.</summary>
public static class Init
{
    /// <summary>U(−bound, bound) into <paramref name="values"/>.</summary>
    public static void Uniform(Span<double> values, double bound, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((2.0 * rng.NextDouble()) - 1.0) * bound;
        }
    }

    /// <summary>N(0, std²) into <paramref name="values"/> (Box–Muller, both draws used).</summary>
    public static void Normal(Span<double> values, double std, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (var i = 0; i < values.Length; i += 2)
        {
            var (a, b) = StandardNormalPair(rng);
            values[i] = a * std;
            if (i + 1 < values.Length)
            {
                values[i + 1] = b * std;
            }
        }
    }

    /// <summary>One N(0, 1) draw.</summary>
    public static double StandardNormal(Random rng) => StandardNormalPair(rng).A;

    private static (double A, double B) StandardNormalPair(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }
}
