using System.CommandLine;
using Hfy.Kernels.Maps;

namespace Hfy.Cli.Commands;

/// <summary>
/// The map name and its parameters as command-line options, shared by <c>hfy map</c> and <c>hfy retrieve</c>:
/// NAME ∈ softmax, entmax, sparsemax, normmax, ksubsets, seq-ksubsets with --alpha, --gamma, --k, --normalize, --w, --compat.
/// </summary>
internal sealed class MapOptions
{
    /// <summary>The accepted map names.</summary>
    public static readonly string[] Names = ["softmax", "entmax", "sparsemax", "normmax", "ksubsets", "seq-ksubsets"];

    public Option<double?> Alpha { get; } = CommonOptions.Alpha("entmax α ≥ 1 (1 = softmax, 2 = sparsemax; default 1.5)");

    public Option<double?> Gamma { get; } = CliOption.Optional("--gamma", "normmax γ > 1 (default 2)", Rule.Above(1.0));

    public Option<double?> K { get; } = CliOption.Optional<double>("--k", "ksubsets: budget Σμ = k, any real 0 < k ≤ N (e.g. 1.5); seq-ksubsets: a whole number 1 ≤ k ≤ N (default 1)");

    public Option<bool> Normalize { get; } = new("--normalize") { Description = "ksubsets: divide the marginals by k (default: unscaled, Σ = k, as the published code)" };

    public Option<double?> W { get; } = CommonOptions.W("seq-ksubsets: bonus per adjacent selected pair");

    public Option<bool> Compat { get; } = new("--compat") { Description = "seq-ksubsets: reproduce the published code's formulation" };

    public void AddTo(Command command)
    {
        command.Options.Add(Alpha);
        command.Options.Add(Gamma);
        command.Options.Add(K);
        command.Options.Add(Normalize);
        command.Options.Add(W);
        command.Options.Add(Compat);
    }

    /// <summary>Builds and validates the spec for <paramref name="n"/> patterns per problem.</summary>
    public MapSpec Build(ParseResult parse, string? name, string nameField, long n)
    {
        var kind = (name ?? "").Trim().ToLowerInvariant() switch
        {
            "softmax" => MapKind.Softmax,
            "entmax" => MapKind.Entmax,
            "sparsemax" => MapKind.Sparsemax,
            "normmax" => MapKind.Normmax,
            "ksubsets" or "k-subsets" => MapKind.KSubsets,
            "seq-ksubsets" or "seqksubsets" => MapKind.SeqKSubsets,
            _ => throw new CliUsageException($"{nameField}: unknown map '{name}'; expected one of {string.Join(", ", Names)}"),
        };
        // The ranges of α, γ and w are checked when the command line is parsed (CliOption rules).
        ArgumentNullException.ThrowIfNull(parse);
        var alpha = parse.GetValue(Alpha);
        var gamma = parse.GetValue(Gamma);
        var k = parse.GetValue(K);
        var w = parse.GetValue(W);
        if (alpha is not null && kind != MapKind.Entmax) throw new CliUsageException($"alpha: only applies to entmax (map is {name})");
        if (gamma is not null && kind != MapKind.Normmax) throw new CliUsageException($"gamma: only applies to normmax (map is {name})");
        if (k is not null && kind is not (MapKind.KSubsets or MapKind.SeqKSubsets)) throw new CliUsageException($"k: only applies to ksubsets and seq-ksubsets (map is {name})");
        if (kind is MapKind.KSubsets && k is { } kr && !(kr > 0 && kr <= n))
            throw new CliUsageException($"k: must be a real number in (0, N], N = {n} (got {JsonIo.Show(kr)})");
        if (kind is MapKind.SeqKSubsets && k is { } kk && !(kk >= 1 && kk <= n && kk == Math.Floor(kk)))
            throw new CliUsageException($"k: must be a whole number in 1..N = 1..{n} for seq-ksubsets (got {JsonIo.Show(kk)})");

        var spec = kind switch
        {
            MapKind.Entmax when alpha == 1.0 => MapSpec.Softmax,
            MapKind.Entmax when alpha == 2.0 => MapSpec.Sparsemax,
            MapKind.Entmax => MapSpec.Entmax(alpha ?? 1.5),
            MapKind.Normmax => MapSpec.Normmax(gamma ?? 2.0),
            MapKind.KSubsets => MapSpec.KSubsets(k ?? 1, parse.GetValue(Normalize)),
            MapKind.SeqKSubsets => MapSpec.SeqKSubsets((int)(k ?? 1), w ?? 0.0, parse.GetValue(Compat)),
            MapKind.Softmax => MapSpec.Softmax,
            _ => MapSpec.Sparsemax,
        };
        var problem = MapFactory.Validate(spec, n);
        if (problem is not null) throw new CliUsageException(problem);
        return spec;
    }
}
