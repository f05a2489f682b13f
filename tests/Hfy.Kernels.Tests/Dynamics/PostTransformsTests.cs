using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Dynamics;

public class PostTransformsTests
{
    [Fact]
    public void LayerNorm_MatchesTorchFormulaWithBiasedVarianceAndEps()
    {
        double[] z = [1, 2, 3, 4];
        PostTransforms.Apply(PostTransform.LayerNorm, z, 1.0);
        // torch: (z − 2.5)/sqrt(1.25 + 1e-5)
        var denom = Math.Sqrt(1.25 + 1e-5);
        Assert.Equal(new[] { -1.5 / denom, -0.5 / denom, 0.5 / denom, 1.5 / denom }, z);
        Assert.Equal(0.0, z.Sum(), 1e-15);
    }

    [Fact]
    public void L2_GivesUnitNorm_AndLeavesZeroVectorZero()
    {
        double[] z = [3, -4];
        PostTransforms.Apply(PostTransform.L2, z, 1.0);
        Assert.Equal(0.6, z[0], 1e-15);
        Assert.Equal(-0.8, z[1], 1e-15);
        double[] zero = [0, 0];
        PostTransforms.Apply(PostTransform.L2, zero, 1.0);
        Assert.Equal(new[] { 0.0, 0.0 }, zero);
    }

    [Fact]
    public void Tanh_ScalesByBeta()
    {
        double[] z = [0.5, -2];
        PostTransforms.Apply(PostTransform.Tanh, z, 3.0);
        Assert.Equal(new[] { Math.Tanh(1.5), Math.Tanh(-6) }, z);
    }

    [Fact]
    public void RowNormalization_FollowsThePublishedCodePerMode()
    {
        Assert.Equal(RowNormalization.L2, PostTransforms.RowNormalizationFor(PostTransform.L2));
        Assert.Equal(RowNormalization.LayerNorm, PostTransforms.RowNormalizationFor(PostTransform.LayerNorm));
        Assert.Equal(RowNormalization.None, PostTransforms.RowNormalizationFor(PostTransform.Identity));
        Assert.Equal(RowNormalization.None, PostTransforms.RowNormalizationFor(PostTransform.Tanh));
        float[] row = [1, 2, 3, 4];
        RowNormalizations.NormalizeRow(RowNormalization.LayerNorm, row);
        Assert.Equal(-1.5 / Math.Sqrt(1.25 + 1e-5), row[0], 1e-6);
    }
}
