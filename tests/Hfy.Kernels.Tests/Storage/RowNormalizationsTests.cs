using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class RowNormalizationsTests
{
    /// <summary>Rows of every length up to 70 (the vector body, the scalar tail and both), values over 40 binades.</summary>
    public static TheoryData<RowNormalization> Kinds() => new() { RowNormalization.L2, RowNormalization.LayerNorm };

    private static float[] RandomRow(Random rng, int dim) =>
        Enumerable.Range(0, dim).Select(_ => (float)((rng.NextDouble() - 0.3) * Math.Pow(2, rng.Next(-20, 20)))).ToArray();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StoredRow_IsTheFloat64Normalization_RoundedOnce_BitForBit(RowNormalization kind)
    {
        var rng = new Random(7);
        for (var dim = 1; dim <= 70; dim++)
        {
            var row = RandomRow(rng, dim);
            var wide = row.Select(v => (double)v).ToArray();
            RowNormalizations.Apply(kind, wide);
            RowNormalizations.NormalizeRow(kind, row);
            Assert.Equal(wide.Select(v => (float)v).ToArray(), row);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Normalization_AgreesWithTheScalarFormula_ToRounding(RowNormalization kind)
    {
        var rng = new Random(8);
        for (var dim = 1; dim <= 70; dim++)
        {
            var z = RandomRow(rng, dim).Select(v => (double)v).ToArray();
            var expected = kind == RowNormalization.L2 ? ScalarL2(z) : ScalarLayerNorm(z);
            RowNormalizations.Apply(kind, z);
            for (var i = 0; i < dim; i++) Assert.Equal(expected[i], z[i], 1e-14 * (1 + Math.Abs(expected[i])));
        }
    }

    /// <summary>
    /// The sums run in one documented order on every machine (eight lanes, fused multiply-adds, a fixed reduction tree,
    /// then the tail), so every node normalizes a row to the same bits: a scalar emulation of that order gives Apply's
    /// float64 results exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Sums_RunInTheDocumentedLaneOrder_BitForBit(RowNormalization kind)
    {
        var rng = new Random(10);
        for (var dim = 1; dim <= 70; dim++)
        {
            var z = RandomRow(rng, dim).Select(v => (double)v).ToArray();
            var centre = kind == RowNormalization.L2 ? 0.0 : LaneOrder(z, 0.0, square: false) / dim;
            var squares = LaneOrder(z, centre, square: true);
            var scale = kind == RowNormalization.L2
                ? 1.0 / Math.Max(Math.Sqrt(squares), RowNormalizations.L2Eps)
                : 1.0 / Math.Sqrt((squares / dim) + RowNormalizations.LayerNormEps);
            var expected = z.Select(v => (v - centre) * scale).ToArray();
            RowNormalizations.Apply(kind, z);
            Assert.Equal(expected, z);
        }
    }

    /// <summary>Σ z_i, or Σ (z_i − centre)² by fused multiply-adds: lane j takes elements j, j + 8, …; ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)); then the tail in order.</summary>
    private static double LaneOrder(double[] z, double centre, bool square)
    {
        var lanes = new double[8];
        var i = 0;
        for (; i + 8 <= z.Length; i += 8)
        {
            for (var j = 0; j < 8; j++)
            {
                var d = z[i + j] - centre;
                lanes[j] = square ? Math.FusedMultiplyAdd(d, d, lanes[j]) : lanes[j] + z[i + j];
            }
        }
        var total = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
        for (; i < z.Length; i++)
        {
            var d = z[i] - centre;
            total = square ? Math.FusedMultiplyAdd(d, d, total) : total + z[i];
        }
        return total;
    }

    [Fact]
    public void NormalizeRows_NormalizesEachRowAsNormalizeRow()
    {
        const int dim = 37, rows = 9;
        var rng = new Random(9);
        var tile = Enumerable.Range(0, rows).SelectMany(_ => RandomRow(rng, dim)).ToArray();
        var one = tile.ToArray();
        var original = tile.ToArray();
        RowNormalizations.NormalizeRows(RowNormalization.L2, tile, dim);
        for (var r = 0; r < rows; r++) RowNormalizations.NormalizeRow(RowNormalization.L2, one.AsSpan(r * dim, dim));
        Assert.Equal(one, tile);
        Assert.NotEqual(original, tile);
        var norm = Math.Sqrt(tile.AsSpan(0, dim).ToArray().Sum(v => (double)v * v));
        Assert.Equal(1.0, norm, 1e-6);
    }

    [Fact]
    public void NormalizeRows_WithBadShape_NamesTheField()
    {
        var rows = new float[10];
        Assert.Equal("dim", Assert.Throws<ArgumentOutOfRangeException>(() => RowNormalizations.NormalizeRows(RowNormalization.L2, rows, 0)).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => RowNormalizations.NormalizeRows(RowNormalization.L2, rows, 3));
        Assert.Equal("rows", ex.ParamName);
        Assert.Contains("not a multiple of dim 3", ex.Message);
    }

    [Fact]
    public void ZeroAndConstantRows_StayFinite()
    {
        float[] zero = [0, 0, 0, 0, 0, 0, 0, 0, 0];
        RowNormalizations.NormalizeRow(RowNormalization.L2, zero);
        Assert.All(zero, v => Assert.Equal(0f, v));
        float[] constant = Enumerable.Repeat(3f, 11).ToArray();
        RowNormalizations.NormalizeRow(RowNormalization.LayerNorm, constant);
        Assert.All(constant, v => Assert.Equal(0f, v));
    }

    private static double[] ScalarL2(double[] z)
    {
        var norm = Math.Max(Math.Sqrt(z.Sum(v => v * v)), RowNormalizations.L2Eps);
        return z.Select(v => v / norm).ToArray();
    }

    private static double[] ScalarLayerNorm(double[] z)
    {
        var mean = z.Average();
        var variance = z.Sum(v => (v - mean) * (v - mean)) / z.Length;
        return z.Select(v => (v - mean) / Math.Sqrt(variance + RowNormalizations.LayerNormEps)).ToArray();
    }
}
