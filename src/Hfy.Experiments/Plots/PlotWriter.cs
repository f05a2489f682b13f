using System.Globalization;
using Hfy.Experiments;
using Hfy.Experiments.Results;
using ScottPlot;

namespace Hfy.Experiments.Plots;

/// <summary>
/// PNG plots of an experiment (ScottPlot 5): success rate vs N (log x) per map, success vs noise σ,
/// support-size histograms, and basins-of-attraction images.
/// </summary>
public static class PlotWriter
{
    /// <summary>Plot width in pixels.</summary>
    public const int Width = 900;

    /// <summary>Plot height in pixels.</summary>
    public const int Height = 600;

    /// <summary>Writes every plot that applies to the experiment into <paramref name="directory"/>; returns the files.</summary>
    public static IReadOnlyList<string> WriteAll(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells, string directory)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(cells);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        if (cells.Count == 0) return files;
        var rows = SummaryRow.Summarize(cells);
        var title = experiment.Name;
        var kind = ExperimentNames.ParseKind(experiment.Kind);
        if (kind == ExperimentKind.Exponential) return ExponentialPlots.WriteAll(experiment, cells, directory);
        if (kind == ExperimentKind.Basins)
        {
            var spec = experiment.Spec;
            foreach (var c in cells.Where(c => c.Metrics.Attractors is not null && c.Params.Repeat == 0))
            {
                var path = Path.Combine(directory, $"{experiment.Id}-basins-{Slug(c.Params.Map)}-b{Inv(c.Params.Beta)}-{c.Params.Post}.png");
                Basins(c, spec, path, $"basins: {c.Params.Map}, β = {Inv(c.Params.Beta)}, {c.Params.Post}");
                files.Add(path);
            }
            return files;
        }
        if (kind?.IsRecall() == true)
        {
            var metric = kind == ExperimentKind.FreeRecall ? "unique memory ratio" : "Levenshtein coefficient";
            if (rows.Select(r => r.N).Distinct().Count() > 1)
            {
                var path = Path.Combine(directory, $"{experiment.Id}-success-vs-n.png");
                SuccessVsN(rows, path, title, $"{metric} (median over repeats)");
                files.Add(path);
            }
            if (rows.Select(r => r.Beta).Distinct().Count() > 1)
            {
                var path = Path.Combine(directory, $"{experiment.Id}-success-vs-beta.png");
                SuccessVsBeta(rows, path, title, $"{metric} (median over repeats)");
                files.Add(path);
            }
            return files;
        }
        if (rows.Select(r => r.N).Distinct().Count() > 1)
        {
            var path = Path.Combine(directory, $"{experiment.Id}-success-vs-n.png");
            SuccessVsN(rows, path, title);
            files.Add(path);
        }
        if (rows.Select(r => r.Noise).Distinct().Count() > 1)
        {
            var path = Path.Combine(directory, $"{experiment.Id}-success-vs-noise.png");
            SuccessVsNoise(rows, path, title);
            files.Add(path);
        }
        var hist = Path.Combine(directory, $"{experiment.Id}-support.png");
        SupportHistogram(rows, hist, title);
        files.Add(hist);
        return files;
    }

    /// <summary>Median success rate (IQR band) vs N on a log axis, one line per (map, β, post) at the smallest σ.</summary>
    public static void SuccessVsN(IReadOnlyList<SummaryRow> rows, string path, string title, string yLabel = "success rate (median over repeats)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sigma = rows.Min(r => r.Noise);
        var plot = NewPlot($"{title}: success vs N" + (rows.Any(r => r.Noise != sigma) ? $" (σ = {Inv(sigma)})" : ""), "patterns N", yLabel);
        var maps = rows.Select(r => r.Map).Distinct().ToList();
        var variants = rows.Select(r => (r.Beta, r.Post)).Distinct().ToList();
        foreach (var s in rows.Where(r => r.Noise == sigma).GroupBy(r => SeriesLabel(rows, r)))
        {
            var pts = s.OrderBy(r => r.N).ToArray();
            var xs = pts.Select(r => Math.Log10(r.N)).ToArray();
            var style = Style(maps.IndexOf(pts[0].Map), variants.IndexOf((pts[0].Beta, pts[0].Post)));
            if (pts.Any(r => r.Q3 > r.Q1))
            {
                var band = plot.Add.FillY(xs, pts.Select(r => r.Q1).ToArray(), pts.Select(r => r.Q3).ToArray());
                band.FillColor = style.Color.WithAlpha(0.12);
                band.LineWidth = 0;
            }
            Line(plot, xs, pts.Select(r => r.Median).ToArray(), style, s.Key);
        }
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString("#,0", CultureInfo.InvariantCulture),
        };
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsY(-0.05, 1.05);
        Save(plot, path);
    }

    /// <summary>
    /// Median success (IQR band) vs β on a log axis at the largest N, one line per (map, post) — the papers'
    /// "unique memory ratio as a function of β" panel for recall experiments.
    /// </summary>
    public static void SuccessVsBeta(IReadOnlyList<SummaryRow> rows, string path, string title, string yLabel = "success rate (median over repeats)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Max(r => r.N);
        var sigma = rows.Min(r => r.Noise);
        var sel = rows.Where(r => r.N == n && r.Noise == sigma).ToArray();
        var plot = NewPlot($"{title}: success vs β (N = {n})", "inverse temperature β", yLabel);
        var maps = sel.Select(r => r.Map).Distinct().ToList();
        var posts = sel.Select(r => r.Post).Distinct().ToList();
        foreach (var s in sel.GroupBy(r => (r.Map, r.Post)))
        {
            var pts = s.OrderBy(r => r.Beta).ToArray();
            var xs = pts.Select(r => Math.Log10(r.Beta)).ToArray();
            var style = Style(maps.IndexOf(s.Key.Map), posts.IndexOf(s.Key.Post));
            if (pts.Any(r => r.Q3 > r.Q1))
            {
                var band = plot.Add.FillY(xs, pts.Select(r => r.Q1).ToArray(), pts.Select(r => r.Q3).ToArray());
                band.FillColor = style.Color.WithAlpha(0.12);
                band.LineWidth = 0;
            }
            Line(plot, xs, pts.Select(r => r.Median).ToArray(), style, posts.Count > 1 ? $"{s.Key.Map} {s.Key.Post}" : s.Key.Map);
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString("G4", CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsY(-0.05, 1.05);
        Save(plot, path);
    }

    /// <summary>Median success rate vs σ, one line per (map, β, post) at the smallest N.</summary>
    public static void SuccessVsNoise(IReadOnlyList<SummaryRow> rows, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Min(r => r.N);
        var plot = NewPlot($"{title}: success vs noise (N = {n})", "noise σ", "success rate (median over repeats)");
        var maps = rows.Select(r => r.Map).Distinct().ToList();
        var variants = rows.Select(r => (r.Beta, r.Post)).Distinct().ToList();
        foreach (var s in rows.Where(r => r.N == n).GroupBy(r => SeriesLabel(rows, r)))
        {
            var pts = s.OrderBy(r => r.Noise).ToArray();
            var style = Style(maps.IndexOf(pts[0].Map), variants.IndexOf((pts[0].Beta, pts[0].Post)));
            Line(plot, pts.Select(r => r.Noise).ToArray(), pts.Select(r => r.Median).ToArray(), style, s.Key);
        }
        plot.Axes.SetLimitsY(-0.05, 1.05);
        Save(plot, path);
    }

    /// <summary>Percentage of queries by final support size (0..10, &gt;10), grouped bars per series, at the largest N and smallest σ.</summary>
    public static void SupportHistogram(IReadOnlyList<SummaryRow> rows, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Max(r => r.N);
        var sigma = rows.Min(r => r.Noise);
        var sel = rows.Where(r => r.N == n && r.Noise == sigma).ToArray();
        var plot = NewPlot($"{title}: support size (N = {n}, σ = {Inv(sigma)})", "support size of the final weights", "% of queries");
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / Math.Max(1, sel.Length);
        for (var s = 0; s < sel.Length; s++)
        {
            var total = Math.Max(1, sel[s].SupportHistogram.Sum());
            var bars = new List<Bar>();
            for (var b = 0; b < CellMetrics.HistogramBins; b++)
            {
                bars.Add(new Bar
                {
                    Position = b - 0.4 + width * (s + 0.5),
                    Value = 100.0 * sel[s].SupportHistogram[b] / total,
                    Size = width,
                    FillColor = palette.GetColor(s),
                    LineWidth = 0,
                });
            }
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = SeriesLabel(rows, sel[s]);
        }
        var labels = Enumerable.Range(0, CellMetrics.HistogramBins)
            .Select(b => new Tick(b, b == CellMetrics.HistogramBins - 1 ? ">10" : b.ToString(CultureInfo.InvariantCulture))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(labels);
        plot.Axes.SetLimitsY(0, 105);
        Save(plot, path);
    }

    /// <summary>The 2-D grid of starting points colored by the pattern reached; white = metastable (no pattern within the radius).</summary>
    public static void Basins(CellRecord cell, ExperimentSpec spec, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(spec);
        var att = cell.Metrics.Attractors ?? throw new ArgumentException("cell has no attractor grid", nameof(cell));
        var b = spec.Basins ?? new BasinsSpec();
        var res = (int)Math.Round(Math.Sqrt(att.Length));
        var values = new double[res, res];
        for (var y = 0; y < res; y++)
        {
            for (var x = 0; x < res; x++)
            {
                // Heatmap row 0 is drawn at the top; grid row 0 is y = lo (bottom).
                var a = att[y * res + x];
                values[res - 1 - y, x] = a < 0 ? double.NaN : a;
            }
        }
        var plot = NewPlot(title, "x₁", "x₂");
        var palette = new ScottPlot.Palettes.Category10();
        var patterns = Math.Max(1, (int)cell.Params.N);
        var heat = plot.Add.Heatmap(values);
        heat.Colormap = new ScottPlot.Colormaps.CustomPalette(Enumerable.Range(0, patterns).Select(i => palette.GetColor(i)).ToArray());
        heat.ManualRange = new ScottPlot.Range(0, Math.Max(1, patterns - 1));
        heat.NaNCellColor = Colors.White;
        heat.Extent = new CoordinateRect(b.Lo, b.Hi, b.Lo, b.Hi);
        if (spec.Bank?.Patterns is { } pts)
        {
            plot.Add.Markers(pts.Select(p => p[0]).ToArray(), pts.Select(p => p[1]).ToArray(), MarkerShape.FilledCircle, 10, Colors.Black);
        }
        plot.Axes.SetLimits(b.Lo, b.Hi, b.Lo, b.Hi);
        Save(plot, path, Height, Height);
    }

    /// <summary>Color and marker by map, line pattern by (β, post), so that series stay distinguishable past ten.</summary>
    private static (Color Color, MarkerShape Marker, LinePattern Pattern, float Size) Style(int map, int variant)
    {
        MarkerShape[] markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
            MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross, MarkerShape.Eks];
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        var color = new ScottPlot.Palettes.Category10().GetColor(map);
        // Earlier maps get larger markers, so identical curves of later maps stay visible on top of them.
        return (color, markers[map % markers.Length], patterns[variant % patterns.Length], Math.Max(4, 11 - 2 * map));
    }

    private static void Line(Plot plot, double[] xs, double[] ys, (Color Color, MarkerShape Marker, LinePattern Pattern, float Size) style, string label)
    {
        var line = plot.Add.Scatter(xs, ys, style.Color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.LinePattern = style.Pattern;
        line.MarkerShape = style.Marker;
        line.MarkerSize = style.Size;
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void Save(Plot plot, string path, int width = Width, int height = Height)
    {
        // Outside the data area: capacity curves fill every corner.
        if (plot.GetPlottables().Any(p => p is IHasLegendText { LegendText.Length: > 0 })) plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, height);
    }

    /// <summary>A series label naming only what varies among the rows (map, β, post).</summary>
    private static string SeriesLabel(IReadOnlyList<SummaryRow> all, SummaryRow r)
    {
        var parts = new List<string> { r.Map };
        if (all.Select(x => x.Beta).Distinct().Count() > 1) parts.Add($"β={Inv(r.Beta)}");
        if (all.Select(x => x.Post).Distinct().Count() > 1) parts.Add(r.Post);
        return string.Join(" ", parts);
    }

    private static string Inv(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
}
