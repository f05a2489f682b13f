using System.Globalization;
using Hfy.Kernels.Dynamics;

namespace Hfy.Experiments;

/// <summary>One point of the grid for one repeat: the unit of work and of storage.</summary>
/// <param name="Key">Stable key, unique within the experiment (see <see cref="MakeKey"/>).</param>
/// <param name="Index">Position in the expansion order.</param>
/// <param name="N">Bank size.</param>
/// <param name="Map">Map or baseline.</param>
/// <param name="Beta">Inverse temperature β.</param>
/// <param name="Post">Post-transformation.</param>
/// <param name="Noise">Noise σ.</param>
/// <param name="Repeat">Repeat index (0-based).</param>
public sealed record Cell(string Key, int Index, long N, CellMap Map, double Beta, PostTransform Post, double Noise, int Repeat)
{
    /// <summary>The key without the repeat: cells that differ only by repeat aggregate into one row.</summary>
    public string GroupKey => MakeGroupKey(N, Map.Label, Beta, Post, Noise);

    /// <summary>e.g. <c>n=1000|map=entmax-1.5|beta=1|post=identity|noise=0|r=0</c>; doubles in invariant round-trip form.</summary>
    public static string MakeKey(long n, string map, double beta, PostTransform post, double noise, int repeat)
        => MakeGroupKey(n, map, beta, post, noise) + "|r=" + repeat.ToString(CultureInfo.InvariantCulture);

    /// <summary>The key without the repeat part.</summary>
    public static string MakeGroupKey(long n, string map, double beta, PostTransform post, double noise)
        => string.Create(CultureInfo.InvariantCulture, $"n={n}|map={map}|beta={beta:R}|post={PostName(post)}|noise={noise:R}");

    /// <summary>The spec name of a post-transform.</summary>
    public static string PostName(PostTransform post) => post switch
    {
        PostTransform.Identity => "identity",
        PostTransform.L2 => "l2",
        PostTransform.LayerNorm => "layernorm",
        PostTransform.Tanh => "tanh",
        _ => post.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a spec post name (case-insensitive); null when unknown.</summary>
    public static PostTransform? ParsePost(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "identity" => PostTransform.Identity,
        "l2" => PostTransform.L2,
        "layernorm" or "layer-norm" => PostTransform.LayerNorm,
        "tanh" => PostTransform.Tanh,
        _ => null,
    };
}
