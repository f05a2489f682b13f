using System.CommandLine;
using Hfy.Kernels.Dynamics;
using System.Globalization;
using System.Numerics;

namespace Hfy.Cli.Commands;

/// <summary>
/// Typed System.CommandLine options whose bad values fail at parse time with one line naming the field and the rule
/// (<c>beta: must be &gt; 0 and finite (got -1)</c>, <c>steps: '2.5' is not an integer</c>); <see cref="HfyCommandLine"/>
/// prints it as <c>hfy: …</c> with exit code 2.
/// </summary>
/// <remarks>
/// The token parsers here are hand-written (a few lines) rather than System.CommandLine's built-in ones because those
/// read numbers in the process culture (<c>1.5</c> is 15 under de-DE), report <c>Cannot parse argument 'abc' for option
/// '--beta' as expected type 'System.Double'</c>, take enum member names only (no <c>layer-norm</c>, <c>csparsemax</c>),
/// and leave a range validator no way to tell that the parse failed (dotnet/command-line-api#2645).
/// </remarks>
internal static class CliOption
{
    /// <summary>An optional number (null when absent) checked by <paramref name="rule"/>.</summary>
    public static Option<T?> Optional<T>(string name, string description, Func<T, string?>? rule = null)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        Create<T?>(name, description, (string s, out T? v) =>
        {
            var ok = TryParseNumber(s, out T x);
            v = x;
            return ok;
        }, NotANumber<T>, rule is null ? null : v => rule(v!.Value), defaultValue: null, required: false);

    /// <summary>A number with a default (<c>(default …)</c> belongs in <paramref name="description"/>), checked by <paramref name="rule"/>.</summary>
    public static Option<T> WithDefault<T>(string name, string description, T defaultValue, Func<T, string?>? rule = null)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        Create<T>(name, description, TryParseNumber, NotANumber<T>, rule, () => defaultValue, required: false);

    /// <summary>A number the command cannot run without; missing, it is <c>field: required (description)</c>.</summary>
    public static Option<T> Required<T>(string name, string description, Func<T, string?>? rule = null)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        Create<T>(name, description, TryParseNumber, NotANumber<T>, rule, defaultValue: null, required: true);

    /// <summary>
    /// One of a fixed set of names (case-insensitive; aliases allowed), e.g. <c>--post identity|l2|layernorm|tanh</c>.
    /// An unknown name is <c>field: unknown NOUN 'x'; expected a, b or c</c>.
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, string noun, T defaultValue, (string Name, T Value)[] choices,
        Func<T, string?>? rule = null)
    {
        var expected = choices.DistinctBy(c => c.Value).Select(c => c.Name).ToArray();
        var list = expected.Length == 1 ? expected[0] : string.Join(", ", expected[..^1]) + " or " + expected[^1];
        var option = Create<T>(name, description,
            (string s, out T v) =>
            {
                var match = choices.FirstOrDefault(c => string.Equals(c.Name, s.Trim(), StringComparison.OrdinalIgnoreCase));
                v = match.Value;
                return match.Name is not null;
            },
            s => $"unknown {noun} '{s}'; expected {list}", rule, () => defaultValue, required: false);
        option.HelpName = string.Join("|", expected);
        return option;
    }

    /// <summary>The field name errors use: the option name without its dashes (<c>--noise-seed</c> → <c>noise-seed</c>).</summary>
    public static string Field(string optionName) => optionName.TrimStart('-');

    private delegate bool TryParse<T>(string token, out T value);

    private static Option<T> Create<T>(string name, string description, TryParse<T> tryParse, Func<string, string> notValid,
        Func<T, string?>? rule, Func<T>? defaultValue, bool required)
    {
        var field = Field(name);
        var option = new Option<T>(name) { Description = description, Required = required };
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return defaultValue is null ? default! : defaultValue();
            var token = result.Tokens[^1].Value;
            if (tryParse(token, out var value)) return value;
            result.AddError($"{field}: {notValid(token)}");
            return default!;
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue();
        if (rule is not null)
        {
            option.Validators.Add(result =>
            {
                // System.CommandLine runs validators after a failed parse too, and reading the value then throws
                // (dotnet/command-line-api#2645): the rule sees the token only when the option's parser accepts it.
                if (result.Tokens is [.., var token] && tryParse(token.Value, out var value) && rule(value) is { } problem)
                    result.AddError($"{field}: {problem}");
            });
        }

        return option;
    }

    private static bool TryParseNumber<T>(string token, out T value) where T : struct, INumber<T>, IMinMaxValue<T> =>
        T.TryParse(token.Trim(), IsFloat<T>() ? NumberStyles.Float : NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static string NotANumber<T>(string token) where T : struct, INumber<T>, IMinMaxValue<T> =>
        IsFloat<T>() ? $"'{token}' is not a number"
        : BigInteger.TryParse(token.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? string.Create(CultureInfo.InvariantCulture, $"'{token}' is out of range (an integer in {T.MinValue}..{T.MaxValue})")
            : $"'{token}' is not an integer";

    private static bool IsFloat<T>() => typeof(T) == typeof(double) || typeof(T) == typeof(float);
}

/// <summary>The range rules of <see cref="CliOption"/>: each returns null or the problem without the field name.</summary>
internal static class Rule
{
    /// <summary>β-like values: &gt; 0 and finite.</summary>
    public static string? Positive(double v) => v > 0 && double.IsFinite(v) ? null : $"must be > 0 and finite (got {Show(v)})";

    /// <summary>Tolerances and noise levels: ≥ 0 and finite.</summary>
    public static string? NonNegative(double v) => v >= 0 && double.IsFinite(v) ? null : $"must be ≥ 0 and finite (got {Show(v)})";

    /// <summary>Any finite number.</summary>
    public static string? Finite(double v) => double.IsFinite(v) ? null : $"must be finite (got {Show(v)})";

    /// <summary>≥ <paramref name="min"/> and finite (e.g. entmax α ≥ 1).</summary>
    public static Func<double, string?> AtLeast(double min) => v =>
        !(v >= min) ? $"must be ≥ {Show(min)} (got {Show(v)})" : Finite(v);

    /// <summary>&gt; <paramref name="min"/> and finite (e.g. normmax γ &gt; 1).</summary>
    public static Func<double, string?> Above(double min) => v =>
        !(v > min) ? $"must be > {Show(min)} (got {Show(v)})" : Finite(v);

    /// <summary>An integer ≥ <paramref name="min"/>.</summary>
    public static Func<T, string?> AtLeast<T>(T min) where T : struct, IBinaryInteger<T> => v =>
        v >= min ? null : string.Create(CultureInfo.InvariantCulture, $"must be ≥ {min} (got {v})");

    /// <summary>An integer in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Func<T, string?> InRange<T>(T min, T max) where T : struct, IBinaryInteger<T> => v =>
        v >= min && v <= max ? null : string.Create(CultureInfo.InvariantCulture, $"must be in {min}..{max} (got {v})");

    private static string Show(double v) => JsonIo.Show(v);
}

/// <summary>The options several commands declare, each declared once here (a new instance per command).</summary>
internal static class CommonOptions
{
    /// <summary><c>--memories FILE|gen:KIND:N:D[:SEED]</c> (required), read by <see cref="MemoriesArgument"/>.</summary>
    public static Option<string> Memories(string what = "patterns") => new("--memories")
    {
        Description = what + ": .npy, .csv, IDX, JSON {\"rows\": [[...]]}, or gen:gaussian|sphere|binary:N:D[:SEED]",
        Required = true,
    };

    /// <summary><c>--beta B</c>: inverse temperature, required, &gt; 0 and finite.</summary>
    public static Option<double> Beta() => CliOption.Required<double>("--beta", "inverse temperature β > 0",
        v => RetrievalOptions.BetaProblem(v)?["beta: ".Length..]); // the one β rule (RetrievalOptions), without its field prefix

    /// <summary><c>--steps T</c>: number of updates, required, ≥ 0.</summary>
    public static Option<int> Steps(string description = "number of updates T ≥ 0") =>
        CliOption.Required("--steps", description, Rule.AtLeast(0));

    /// <summary><c>--alpha A</c>: entmax α ≥ 1 (null when absent; the command says the default).</summary>
    public static Option<double?> Alpha(string description) => CliOption.Optional("--alpha", description, Rule.AtLeast(1.0));

    /// <summary><c>--w W</c>: bonus per adjacent selected pair of seq-k-subsets, finite (null when absent).</summary>
    public static Option<double?> W(string description) => CliOption.Optional<double>("--w", description, Rule.Finite);

    /// <summary><c>--output FILE|-</c>: where the JSON result goes.</summary>
    public static Option<string?> Output() => new("--output") { Description = "where to write the JSON result (default: stdout)" };

    /// <summary><c>--data DIR</c>: the results directory (null: ./data).</summary>
    public static Option<string?> DataDirectory() => new("--data") { Description = "data directory (results.db, exports, plots); default ./data" };

    /// <summary><c>--nodes N</c>: bank nodes of an embedded cluster, ≥ 1.</summary>
    public static Option<int> Nodes(int defaultValue) =>
        CliOption.WithDefault("--nodes", $"bank nodes of the embedded cluster (default {defaultValue})", defaultValue, Rule.AtLeast(1));

    /// <summary><c>--rows N</c> of a benchmark bank, ≥ <paramref name="min"/>.</summary>
    public static Option<int> BenchRows(int defaultValue, int min, string what = "bank rows N") =>
        CliOption.WithDefault("--rows", string.Create(CultureInfo.InvariantCulture, $"{what} (default {defaultValue:N0})"), defaultValue, Rule.AtLeast(min));

    /// <summary><c>--dim D</c> of a benchmark bank, ≥ 1.</summary>
    public static Option<int> BenchDim(int defaultValue = 64) =>
        CliOption.WithDefault("--dim", $"dimension D (default {defaultValue})", defaultValue, Rule.AtLeast(1));

    /// <summary><c>--batch B</c>: queries per benchmark request, ≥ 1.</summary>
    public static Option<int> BenchBatch(string what, int defaultValue = 64) =>
        CliOption.WithDefault("--batch", $"{what} (default {defaultValue})", defaultValue, Rule.AtLeast(1));

    /// <summary><c>--repeats R</c>: timed benchmark repeats, ≥ 1.</summary>
    public static Option<int> BenchRepeats(string what, int defaultValue) =>
        CliOption.WithDefault("--repeats", $"{what} (default {defaultValue})", defaultValue, Rule.AtLeast(1));
}
