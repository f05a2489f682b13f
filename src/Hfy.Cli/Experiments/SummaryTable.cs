using System.Globalization;
using Hfy.Experiments.Results;
using Spectre.Console;

namespace Hfy.Cli.Experiments;

/// <summary>How <see cref="ExperimentConsole.PrintSummary"/> writes the summary.</summary>
public enum SummaryFormat
{
    /// <summary>An aligned table that fits the terminal width (never wrapped when piped).</summary>
    Table,
    /// <summary>Tab-separated values with a header line.</summary>
    Tsv,
    /// <summary>Comma-separated values with a header line (RFC 4180 quoting).</summary>
    Csv,
}

/// <summary>
/// The experiment summary as columns of plain text: rendered as a Spectre table that fits a width, or as TSV/CSV.
/// Each column has a table header, machine-readable headers and values (the IQR gets its own columns there), and a
/// priority: when the table is too wide, columns are dropped from the lowest priority up (0 = never dropped).
/// </summary>
internal sealed class SummaryTable
{
    private readonly List<Column> _columns = [];
    private string _footnote = "";

    /// <summary>The columns in display order.</summary>
    public IReadOnlyList<Column> Columns => _columns;

    /// <summary>One column: table header and cells, separated-value headers and cells (one or more per table cell), drop priority.</summary>
    public sealed record Column(string Header, string[] Cells, string[] FieldHeaders, string[][] Fields, int Priority, bool[]? Alert = null);

    /// <summary>Builds the table for capacity-style or recall rows.</summary>
    public static SummaryTable Of(IReadOnlyList<SummaryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var t = new SummaryTable();
        if (rows.Count > 0 && rows.All(r => r.UniqueRatio is not null)) t.Recall(rows);
        else t.Capacity(rows);
        return t;
    }

    /// <summary>Writes TSV or CSV: a header line and one line per row.</summary>
    public void WriteSeparated(TextWriter output, char separator)
    {
        ArgumentNullException.ThrowIfNull(output);
        var headers = _columns.SelectMany(c => c.FieldHeaders);
        output.WriteLine(string.Join(separator, headers.Select(h => Quote(h, separator))));
        var count = _columns.Count == 0 ? 0 : _columns[0].Cells.Length;
        for (var r = 0; r < count; r++)
        {
            output.WriteLine(string.Join(separator, _columns.SelectMany(c => c.Fields[r]).Select(v => Quote(v, separator))));
        }
    }

    /// <summary>Writes the table within <paramref name="width"/> columns (dropping low-priority columns as needed), then the footnote.</summary>
    public void WriteTable(TextWriter output, int width)
    {
        ArgumentNullException.ThrowIfNull(output);
        var shown = _columns.ToList();
        var dropped = new List<string>();
        while (Measure(shown) > width && shown.Any(c => c.Priority > 0))
        {
            var drop = shown.Where(c => c.Priority > 0).MaxBy(c => c.Priority)!;
            shown.Remove(drop);
            dropped.Add(drop.Header);
        }

        var console = Console(output, Math.Max(Measure(shown), 1));
        console.Write(Build(shown, markup: true));
        var note = dropped.Count > 0 ? $"{_footnote}; not shown for the terminal width: {string.Join(", ", dropped)} (--format tsv or csv has every column)" : _footnote;
        console.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
    }

    /// <summary>The widest line of the rendered table (its natural width).</summary>
    private static int Measure(IReadOnlyList<Column> columns)
    {
        using var text = new StringWriter();
        Console(text, 100_000).Write(Build(columns, markup: false));
        return text.ToString().Split('\n').Max(l => l.TrimEnd().Length);
    }

    private static IAnsiConsole Console(TextWriter output, int width)
    {
        var terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return console;
    }

    private static Table Build(IReadOnlyList<Column> columns, bool markup)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c.Header)).RightAligned().NoWrap());
        var count = columns.Count == 0 ? 0 : columns[0].Cells.Length;
        for (var r = 0; r < count; r++)
        {
            table.AddRow(columns.Select(c => markup && c.Alert?[r] == true ? $"[red]{Markup.Escape(c.Cells[r])}[/]" : Markup.Escape(c.Cells[r])).ToArray());
        }

        return table;
    }

    private void Capacity(IReadOnlyList<SummaryRow> rows)
    {
        var showPost = rows.Select(r => r.Post).Distinct().Count() > 1;
        var showNoise = rows.Select(r => r.Noise).Distinct().Count() > 1;
        Add("N", "n", rows, r => Count(r.N), r => [r.N.ToString(CultureInfo.InvariantCulture)], 0);
        Add("map", "map", rows, r => r.Map, r => [r.Map], 0);
        Add("β", "beta", rows, r => G(r.Beta), r => [R(r.Beta)], 0);
        if (showPost) Add("post", "post", rows, r => r.Post, r => [r.Post], 0);
        if (showNoise) Add("σ", "sigma", rows, r => G(r.Noise), r => [R(r.Noise)], 0);
        _columns.Add(new Column("success", [.. rows.Select(r => r.Repeats > 1 ? F($"{r.Median:0.00} [{r.Q1:0.00},{r.Q3:0.00}]") : F($"{r.Median:0.00}"))],
            ["success_median", "success_q1", "success_q3"], [.. rows.Select(r => new[] { R(r.Median), R(r.Q1), R(r.Q3) })], 0));
        Add("exact", "exact_rate", rows, r => F($"{r.ExactRate:0.00}"), r => [R(r.ExactRate)], 5);
        Add("cos", "cosine_rate", rows, r => F($"{r.CosineRate:0.00}"), r => [R(r.CosineRate)], 7);
        Add("|p|=1", "one_pattern_rate", rows, r => F($"{100.0 * r.SupportHistogram[1] / Total(r):0}%"), r => [R((double)r.SupportHistogram[1] / Total(r))], 3);
        Add("|p|", "mean_support", rows, r => F($"{MeanSupport(r):0.0}"), r => [R(MeanSupport(r))], 2);
        Add("steps", "mean_steps", rows, r => F($"{r.MeanSteps:0.0}"), r => [R(r.MeanSteps)], 4);
        _columns.Add(new Column("E↑", [.. rows.Select(r => r.EnergyViolations.ToString(CultureInfo.InvariantCulture))], ["energy_increases"],
            [.. rows.Select(r => new[] { r.EnergyViolations.ToString(CultureInfo.InvariantCulture) })], rows.Any(r => r.EnergyViolations > 0) ? 0 : 1,
            [.. rows.Select(r => r.EnergyViolations > 0)]));
        Add("s", "seconds", rows, r => F($"{r.ElapsedMs / 1000:0.0}"), r => [R(r.ElapsedMs / 1000)], 6);
        _footnote = "success: median over repeats [IQR]; |p|=1: queries ending on one pattern; |p|: mean support (>10 counted as 11; softmax counts weights > 0.01); E↑: energy increases (must be 0)";
    }

    private void Recall(IReadOnlyList<SummaryRow> rows)
    {
        var sequential = rows.Any(r => r.LevenshteinCoefficient is not null);
        Add("N", "n", rows, r => Count(r.N), r => [r.N.ToString(CultureInfo.InvariantCulture)], 0);
        Add("method", "method", rows, r => r.Map, r => [r.Map], 0);
        Add("β", "beta", rows, r => G(r.Beta), r => [R(r.Beta)], 0);
        var metric = sequential ? "levenshtein" : "unique";
        _columns.Add(new Column(metric, [.. rows.Select(r => r.Repeats > 1 ? F($"{r.Median:0.000} [{r.Q1:0.000},{r.Q3:0.000}]") : F($"{r.Median:0.000}"))],
            [$"{metric}_median", $"{metric}_q1", $"{metric}_q3"], [.. rows.Select(r => new[] { R(r.Median), R(r.Q1), R(r.Q3) })], 0));
        Add("perfect", "perfect_rate", rows, r => F($"{r.ExactRate:0.00}"), r => [R(r.ExactRate)], 1);
        if (sequential) Add("unique", "unique_ratio", rows, r => F($"{r.UniqueRatio:0.000}"), r => [R(r.UniqueRatio ?? double.NaN)], 2);
        Add("T", "mean_steps", rows, r => F($"{r.MeanSteps:0}"), r => [R(r.MeanSteps)], 3);
        Add("s", "seconds", rows, r => F($"{r.ElapsedMs / 1000:0.0}"), r => [R(r.ElapsedMs / 1000)], 4);
        _footnote = sequential
            ? "levenshtein: 1 − lev(recalled, stored order)/length, median over repeats [IQR]; perfect: fraction of repeats recalled exactly in order; unique: mean unique memory ratio"
            : "unique: |distinct recalled| / recalled, median over repeats [IQR]; perfect: fraction of repeats that recalled every memory once";
    }

    private void Add(string header, string field, IReadOnlyList<SummaryRow> rows, Func<SummaryRow, string> cell, Func<SummaryRow, string[]> fields, int priority) =>
        _columns.Add(new Column(header, [.. rows.Select(cell)], [field], [.. rows.Select(fields)], priority));

    private static long Total(SummaryRow r) => Math.Max(1, r.SupportHistogram.Sum());

    private static double MeanSupport(SummaryRow r)
    {
        var total = Total(r);
        var mean = 0.0;
        for (var b = 0; b < r.SupportHistogram.Length; b++) mean += b * (double)r.SupportHistogram[b] / total;
        return mean;
    }

    private static string Quote(string value, char separator)
    {
        if (separator == '\t') return value.Replace('\t', ' ').ReplaceLineEndings(" ");
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static string Count(long n) => n switch
    {
        >= 1_000_000 when n % 1_000_000 == 0 => F($"{n / 1_000_000}M"),
        >= 1_000 when n % 1_000 == 0 => F($"{n / 1_000}k"),
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
