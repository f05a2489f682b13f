using Hfy.Kernels.Maps;
using static Hfy.Kernels.Tests.Maps.MapTestUtil;

namespace Hfy.Kernels.Tests.Maps;

/// <summary>Every reference value of docs/math.md §6, to 1e-6.</summary>
public class ReferenceValueTests
{
    private static readonly double[] _theta3 = [-2, 0, 0.5];
    private static readonly double[] _theta5 = [0, 0.25, 0.5, 0.75, 1];
    private static readonly double[] _figure2 = [1.0716, -1.1221, -0.3288, 0.3368, 0.0425];

    public static TheoryData<string, double[], double[]> Cases => new()
    {
        { "softmax", _theta3, [0.048611, 0.359188, 0.592201] },
        { "sparsemax", _theta3, [0, 0.25, 0.75] },
        { "entmax-1.5", _theta3, [0, 0.326007, 0.673993] },
        { "entmax-3", _theta3, [0, 0, 1] },
        { "normmax-2", _theta3, [0, 0.311018, 0.688982] },
        { "normmax-5", _theta3, [0, 0.440273, 0.559727] },
        { "entmax-1.5", _theta5, [0.025854, 0.081677, 0.168750, 0.287073, 0.436646] },
        { "sparsemax", _theta5, [0, 0, 0.083333, 0.333333, 0.583333] },
        { "entmax-2", _theta5, [0, 0, 0.083333, 0.333333, 0.583333] },
        { "normmax-2", _theta5, [0, 0.023866, 0.174622, 0.325378, 0.476134] },
        { "ksubsets-2", _theta5, [0, 0.125, 0.375, 0.625, 0.875] },
        { "sparsemax", _figure2, [0.8674, 0, 0, 0.1326, 0] },
        { "entmax-1.5", _figure2, [0.679675, 0, 0.015432, 0.208871, 0.096022] },
        { "normmax-2", _figure2, [0.804055, 0, 0, 0.195945, 0] },
        { "normmax-5", _figure2, [0.601831, 0, 0, 0.398169, 0] },
        { "ksubsets-2", _figure2, [1, 0, 0, 0.647150, 0.352850] },
        { "sparsemax", [.. _figure2.Select(t => 2 * t)], [1, 0, 0, 0, 0] },
        { "entmax-1.5", [.. _figure2.Select(t => 2 * t)], [0.943942, 0, 0, 0.056058, 0] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Map_OfReferenceScores_MatchesPublishedValues(string map, double[] theta, double[] expected)
    {
        Close(expected, Apply(Map(map), theta), 1e-6, map);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThresholdSearch_OfReferenceScores_MatchesPublishedValues(string map, double[] theta, double[] expected)
    {
        if (Map(map) is not IThresholdMap tm)
        {
            return;
        }

        // θ values are not float32-exact, so run the search on their float32 rounding and compare with Forward on the same.
        var scores = theta.Select(t => (float)t).ToArray();
        var rounded = scores.Select(s => (double)s).ToArray();
        var (tau, _) = Search(tm, scores, parts: 2);
        Close(Apply(tm, rounded), WeightsAt(tm, rounded, tau), 1e-12, map);
        Close(expected, WeightsAt(tm, rounded, tau), 1e-6, map);
    }

    public static TheoryData<string, double> Margins => new()
    {
        { "entmax-1.25", 4 }, { "entmax-1.5", 2 }, { "entmax-2", 1 }, { "entmax-3", 0.5 },
        { "sparsemax", 1 }, { "normmax-1.5", 1 }, { "normmax-2", 1 }, { "normmax-5", 1 },
    };

    [Theory]
    [MemberData(nameof(Margins))]
    public void Map_OnTwoScores_IsOneHotExactlyFromTheMargin(string map, double margin)
    {
        var m = Map(map);
        Assert.Equal([1.0, 0.0], Apply(m, [margin, 0]));
        Assert.Equal([1.0, 0.0], Apply(m, [margin * 1.5, 0]));
        var below = Apply(m, [margin * (1 - 1e-6), 0]);
        Assert.True(below[1] > 0, $"{map}: below the margin the second weight must be positive, got {below[1]:R}");
        var farBelow = Apply(m, [margin * 0.9, 0]);
        Assert.True(farBelow[1] > 1e-6, $"{map}: at 0.9 m the second weight must be visibly positive, got {farBelow[1]:R}");
    }
}
