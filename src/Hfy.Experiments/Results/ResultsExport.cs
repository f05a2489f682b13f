using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hfy.Experiments.Results;

/// <summary>CSV and JSON exports of one experiment.</summary>
public static class ResultsExport
{
    /// <summary>Header of the per-cell CSV (unique_ratio, levenshtein: recall kinds only, empty otherwise).</summary>
    public const string CellCsvHeader =
        "cell_key,n,map,beta,post,noise,repeat,queries,success_rate,exact_rate,cosine_rate,mean_cosine," +
        "support_0,support_1,support_2,support_3,support_4,support_5,support_6,support_7,support_8,support_9,support_10,support_gt10," +
        "mean_support,mean_steps,max_steps,energy_violations,round_trips,bytes_moved,elapsed_ms,unique_ratio,levenshtein";

    /// <summary>Header of the summary CSV (one row per cell group, median and IQR over repeats).</summary>
    public const string SummaryCsvHeader =
        "n,map,beta,post,noise,repeats,median,q1,q3,exact_rate,cosine_rate,mean_steps,energy_violations,round_trips,bytes_moved,elapsed_ms,unique_ratio,levenshtein";

    /// <summary>One line per cell, grid order, invariant culture.</summary>
    public static string CellsCsv(IEnumerable<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var sb = new StringBuilder(CellCsvHeader).Append('\n');
        foreach (var c in cells.OrderBy(c => c.Index))
        {
            var p = c.Params;
            var m = c.Metrics;
            sb.Append(Quote(c.Key)).Append(',').Append(Inv(p.N)).Append(',').Append(Quote(p.Map)).Append(',').Append(Inv(p.Beta)).Append(',')
              .Append(p.Post).Append(',').Append(Inv(p.Noise)).Append(',').Append(Inv(p.Repeat)).Append(',').Append(Inv(m.Queries)).Append(',')
              .Append(Inv(m.SuccessRate)).Append(',').Append(Inv(m.ExactRate)).Append(',').Append(Inv(m.CosineRate)).Append(',').Append(Inv(m.MeanCosine));
            for (var i = 0; i < CellMetrics.HistogramBins; i++) sb.Append(',').Append(Inv(i < m.SupportHistogram.Length ? m.SupportHistogram[i] : 0));
            sb.Append(',').Append(Inv(m.MeanSupport)).Append(',').Append(Inv(m.MeanSteps)).Append(',').Append(Inv(m.MaxSteps)).Append(',')
              .Append(Inv(m.EnergyViolations)).Append(',').Append(Inv(m.RoundTrips)).Append(',').Append(Inv(m.BytesMoved)).Append(',')
              .Append(Inv(m.ElapsedMs)).Append(',').Append(Inv(m.UniqueRatio)).Append(',').Append(Inv(m.LevenshteinCoefficient)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>One line per cell group.</summary>
    public static string SummaryCsv(IEnumerable<SummaryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder(SummaryCsvHeader).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(Inv(r.N)).Append(',').Append(Quote(r.Map)).Append(',').Append(Inv(r.Beta)).Append(',').Append(r.Post).Append(',')
              .Append(Inv(r.Noise)).Append(',').Append(Inv(r.Repeats)).Append(',').Append(Inv(r.Median)).Append(',').Append(Inv(r.Q1)).Append(',')
              .Append(Inv(r.Q3)).Append(',').Append(Inv(r.ExactRate)).Append(',').Append(Inv(r.CosineRate)).Append(',').Append(Inv(r.MeanSteps)).Append(',')
              .Append(Inv(r.EnergyViolations)).Append(',').Append(Inv(r.RoundTrips)).Append(',').Append(Inv(r.BytesMoved)).Append(',')
              .Append(Inv(r.ElapsedMs)).Append(',').Append(Inv(r.UniqueRatio)).Append(',').Append(Inv(r.LevenshteinCoefficient)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The experiment, its spec, every cell and the summary as one JSON document.</summary>
    public static string Json(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(cells);
        var doc = new
        {
            id = experiment.Id,
            name = experiment.Name,
            kind = experiment.Kind,
            status = experiment.Status,
            totalCells = experiment.TotalCells,
            doneCells = cells.Count,
            createdUtc = experiment.CreatedUtc,
            finishedUtc = experiment.FinishedUtc,
            error = experiment.Error,
            spec = experiment.Spec,
            cells = cells.OrderBy(c => c.Index).Select(c => new { key = c.Key, index = c.Index, @params = c.Params, metrics = c.Metrics, startedUtc = c.StartedUtc, finishedUtc = c.FinishedUtc }),
            summary = SummaryRow.Summarize(cells),
        };
        return JsonSerializer.Serialize(doc, SpecJson.Options);
    }

    /// <summary>Writes <c>{id}-cells.csv</c>, <c>{id}-summary.csv</c> and <c>{id}.json</c> into <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> WriteAll(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells, string directory)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        Directory.CreateDirectory(directory);
        var cellsPath = Path.Combine(directory, $"{experiment.Id}-cells.csv");
        var summaryPath = Path.Combine(directory, $"{experiment.Id}-summary.csv");
        var jsonPath = Path.Combine(directory, $"{experiment.Id}.json");
        File.WriteAllText(cellsPath, CellsCsv(cells));
        File.WriteAllText(summaryPath, SummaryCsv(SummaryRow.Summarize(cells)));
        File.WriteAllText(jsonPath, Json(experiment, cells));
        return [cellsPath, summaryPath, jsonPath];
    }

    private static string Inv(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Empty for a metric the kind does not measure (capacity cells have no unique ratio).</summary>
    private static string Inv(double? v) => v is { } x ? Inv(x) : "";

    private static string Inv(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
