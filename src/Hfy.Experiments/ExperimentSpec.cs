using System.Text.Json;
using System.Text.Json.Serialization;
using Hfy.Kernels.Maps;

namespace Hfy.Experiments;

/// <summary>
/// An experiment as submitted (JSON, camelCase; schema with examples in docs/experiments.md). Every field
/// is kept as written (strings for names) so that <see cref="SpecValidator"/> can report every problem
/// with its field path instead of failing on the first one.
/// </summary>
public sealed record ExperimentSpec
{
    /// <summary>A human name shown in tables and plots.</summary>
    public string? Name { get; init; }

    /// <summary>capacity, metastable, basins, free-recall or sequential-recall.</summary>
    public string? Kind { get; init; } = "capacity";

    /// <summary>Where the memory patterns come from.</summary>
    public BankSourceSpec? Bank { get; init; }

    /// <summary>The swept parameters: every combination is one cell (per repeat).</summary>
    public GridSpec? Grid { get; init; }

    /// <summary>What counts as a successful retrieval.</summary>
    public SuccessSpec? Success { get; init; } = new();

    /// <summary>
    /// Queries per cell: stored patterns drawn without replacement (capped at N). Default: every stored pattern for
    /// file banks (idx, npy, csv: the papers' image protocol), 100 for generated and inline banks.
    /// </summary>
    public int? Queries { get; init; }

    /// <summary>Seed for query selection and noise; row data use <see cref="BankSourceSpec.Seed"/>.</summary>
    public ulong Seed { get; init; }

    /// <summary>Early stop when ‖q_{t+1} − q_t‖ ≤ Tol (0: run all T steps).</summary>
    public double Tol { get; init; }

    /// <summary>
    /// How the classical and DAM baselines meet the post-transformation: <c>published</c> (default: q ← ŷ_Ψ(Xᵀ F'(Xq)),
    /// the post-transformation replaces tanh) or <c>tanh-after-post</c> (q ← tanh(β Xᵀ F'(Xq)) after normalizing rows and query).
    /// </summary>
    public string? BaselineUpdate { get; init; }

    /// <summary>Basins only: the 2-D starting grid.</summary>
    public BasinsSpec? Basins { get; init; }

    /// <summary>free-recall and sequential-recall only: the recall protocols' parameters (defaults: the papers').</summary>
    public RecallSpec? Recall { get; init; }

    /// <summary>exponential only: the (α, β_net, N or P) grid (docs/capacity.md, exponential capacity).</summary>
    public ExponentialSpec? Exponential { get; init; }

    /// <summary>mil only: data sets, maps and the hyper-parameter grid (docs/learning.md).</summary>
    public global::Hfy.Learning.Experiments.MilSpec? Mil { get; init; }

    /// <summary>rationale only: the planted-span task, model and maps (docs/learning.md).</summary>
    public global::Hfy.Learning.Experiments.RationaleSpec? Rationale { get; init; }

    /// <summary>Parses a spec; a malformed document throws <see cref="JsonException"/> (the validator turns it into a field error).</summary>
    public static ExperimentSpec Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // System.Text.Json refuses a lone UTF-16 surrogate with an ArgumentException; say where it is instead. (Text read
        // from UTF-8 never has one; a string built in code can.)
        for (var i = 0; i < json.Length; i++)
        {
            if (char.IsHighSurrogate(json[i]) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1])) i++;
            else if (char.IsSurrogate(json[i])) throw new JsonException($"the document is not valid text: a lone UTF-16 surrogate at character {i}");
        }

        return JsonSerializer.Deserialize<ExperimentSpec>(json, SpecJson.Options)
            ?? throw new JsonException("the document is empty (null)");
    }

    /// <summary>The spec as indented JSON (round-trips through <see cref="Parse"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SpecJson.Options);
}

/// <summary>The bank's source: a generator (sphere, gaussian, binary) with seed and dimension, or a file (idx, npy, csv), or inline patterns.</summary>
public sealed record BankSourceSpec
{
    /// <summary>sphere, gaussian, binary, idx, npy, csv or inline.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Generator seed (repeat r uses Seed + r, so repeats are independent memory sets); for files, the seed of the
    /// permutation whose first N rows are repeat r's memory set.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>Pattern dimension D (generators; files infer it and, if given, it must match).</summary>
    public int? Dim { get; init; }

    /// <summary>File path for idx, npy, csv.</summary>
    public string? Path { get; init; }

    /// <summary>Inline patterns (source "inline"; used by basins experiments).</summary>
    public double[][]? Patterns { get; init; }

    /// <summary>How nodes hold the rows: auto (default), resident, half, bits, mapped or procedural (docs/capacity.md, "storage kinds").</summary>
    public string? Storage { get; init; }

    /// <summary>Generated sources: legacy (default; the rows of earlier runs) or vector (the 20 × faster counter-hash generator).</summary>
    public string? Generator { get; init; }
}

/// <summary>The swept parameters.</summary>
public sealed record GridSpec
{
    /// <summary>Bank sizes N.</summary>
    public long[]? Sizes { get; init; }

    /// <summary>Maps (with parameters) and baselines.</summary>
    public MapEntry[]? Maps { get; init; }

    /// <summary>Inverse temperatures β.</summary>
    public double[]? Betas { get; init; }

    /// <summary>β lists for particular post-transformations (post name → β values), replacing <see cref="Betas"/> for them.</summary>
    public Dictionary<string, double[]>? PostBetas { get; init; }

    /// <summary>Post-transformations: identity, l2, layernorm, tanh.</summary>
    public string[]? Posts { get; init; } = ["identity"];

    /// <summary>Noise standard deviations σ added to each query coordinate.</summary>
    public double[]? Noise { get; init; } = [0.0];

    /// <summary>Fraction of trailing coordinates set to 0 (0.5 = bottom half of a row-major image).</summary>
    public double Mask { get; init; }

    /// <summary>Optional [lo, hi] clipping of noisy queries (images in [−1, 1]).</summary>
    public double[]? Clip { get; init; }

    /// <summary>Number of updates T.</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Independent repeats (fresh memory set and queries each). Default: 5 for file banks, 1 otherwise.</summary>
    public int? Repeats { get; init; }
}

/// <summary>
/// A map with its parameters, or a classical baseline: softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets,
/// classical, dam-poly or dam-exp.
/// </summary>
public sealed record MapEntry : NamedMap
{
    /// <summary>ksubsets: mixture reading (divide marginals by k).</summary>
    public bool? Normalize { get; init; }

    /// <summary>dam-poly degree n (F(x) = xⁿ).</summary>
    public int? N { get; init; }

    /// <summary>dam-exp inner inverse temperature β_in (F(x) = exp(β_in x)).</summary>
    public double? BetaIn { get; init; }

    /// <summary>Post-transformations this map runs with, replacing <see cref="GridSpec.Posts"/> for it.</summary>
    public string[]? Posts { get; init; }
}

/// <summary>Success criterion.</summary>
public sealed record SuccessSpec
{
    /// <summary>exact (q_T equals the source pattern) or cosine (cos(q_T, x) &gt; threshold).</summary>
    public string? Criterion { get; init; } = "exact";

    /// <summary>Cosine threshold (also used for the cosine success rate reported next to exact).</summary>
    public double Threshold { get; init; } = 0.9;
}

/// <summary>Basins of attraction: a res × res grid of starting points over [lo, hi]².</summary>
public sealed record BasinsSpec
{
    /// <summary>Grid points per side.</summary>
    public int Resolution { get; init; } = 100;

    /// <summary>Lower bound of both coordinates.</summary>
    public double Lo { get; init; } = -1.5;

    /// <summary>Upper bound of both coordinates.</summary>
    public double Hi { get; init; } = 1.5;

    /// <summary>A start converged to pattern i when within this distance of it (docs/math.md §5: 0.001).</summary>
    public double Radius { get; init; } = 1e-3;
}

/// <summary>
/// Parameters of the recall protocols of docs/math.md §5 that are not swept (N, the update map, β, T and repeats
/// come from the grid). Defaults are the papers' settings.
/// </summary>
public sealed record RecallSpec
{
    /// <summary>Penalty weight λ ≥ 0 on the accumulated attention (penalized free recall, sequential recall).</summary>
    public double Lambda { get; init; } = 1e8;

    /// <summary>Decay rate ρ ∈ (0, 1] of the accumulated attention.</summary>
    public double Rho { get; init; } = 0.001;

    /// <summary>Sequential recall only: pair bonus w of the seq-2-subsets transition (default 1e8).</summary>
    public double? W { get; init; }

    /// <summary>Memories to recall per run (default: all N; sequential: N − start).</summary>
    public int? Count { get; init; }

    /// <summary>Row whose pattern is the initial cue q = x_start.</summary>
    public int Start { get; init; }
}

/// <summary>The JSON settings shared by specs, results and exports.</summary>
public static class SpecJson
{
    /// <summary>camelCase, indented, NaN/Infinity allowed as literals so that the validator can name them.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
