using System.Globalization;
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

    /// <summary>Width of one facet panel in pixels.</summary>
    public const int PanelWidth = 620;

    /// <summary>Height of one facet panel in pixels.</summary>
    public const int PanelHeight = 500;

    /// <summary>At most this many facet panels side by side.</summary>
    public const int MaxPanelColumns = 2;

    /// <summary>
    /// Median success rate (IQR band) vs N on a log axis at the smallest σ: one panel per (β, post) when they vary,
    /// one line per map in each panel (colour and marker by map, the same in every panel).
    /// </summary>
    public static void SuccessVsN(IReadOnlyList<SummaryRow> rows, string path, string title, string yLabel = "success rate (median over repeats)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sigma = rows.Min(r => r.Noise);
        var maps = rows.Select(r => r.Map).Distinct().ToList();
        var sel = rows.Where(r => r.Noise == sigma).ToArray();
        var suffix = rows.Any(r => r.Noise != sigma) ? $" (σ = {Inv(sigma)})" : "";
        var panels = Facets(sel, rows, r => (r.Beta, r.Post), facet =>
        {
            var plot = NewPlot($"{title}: success vs N{suffix}{facet.Label}", "patterns N", yLabel);
            return SuccessLinesOnLogX(plot, facet.Rows, maps, r => r.N, "#,0");
        });
        SaveFigure(panels, path);
    }

    /// <summary>
    /// Median success (IQR band) vs β on a log axis at the largest N, one panel per post when posts vary and one line
    /// per map — the papers' "unique memory ratio as a function of β" panel for recall experiments.
    /// </summary>
    public static void SuccessVsBeta(IReadOnlyList<SummaryRow> rows, string path, string title, string yLabel = "success rate (median over repeats)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (n, _, sel, maps) = AtLargestNSmallestNoise(rows);
        var panels = Facets(sel, sel, r => (double.NaN, r.Post), facet =>
        {
            var plot = NewPlot($"{title}: success vs β (N = {n}){facet.Label}", "inverse temperature β", yLabel);
            return SuccessLinesOnLogX(plot, facet.Rows, maps, r => r.Beta, "G4");
        });
        SaveFigure(panels, path);
    }

    /// <summary>Median success rate vs σ at the smallest N: one panel per (β, post) when they vary, one line per map.</summary>
    public static void SuccessVsNoise(IReadOnlyList<SummaryRow> rows, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Min(r => r.N);
        var maps = rows.Select(r => r.Map).Distinct().ToList();
        var panels = Facets(rows.Where(r => r.N == n).ToArray(), rows, r => (r.Beta, r.Post), facet =>
        {
            var plot = NewPlot($"{title}: success vs noise (N = {n}){facet.Label}", "noise σ", "success rate (median over repeats)");
            foreach (var s in facet.Rows.GroupBy(r => r.Map).OrderBy(g => maps.IndexOf(g.Key)))
            {
                var pts = s.OrderBy(r => r.Noise).ToArray();
                Line(plot, pts.Select(r => r.Noise).ToArray(), pts.Select(r => r.Median).ToArray(), Style(maps.IndexOf(s.Key), maps.Count), s.Key);
            }

            plot.Axes.SetLimitsY(-0.05, 1.05);
            return plot;
        });
        SaveFigure(panels, path);
    }

    /// <summary>
    /// Percentage of queries by final support size (0..10, &gt;10) at the largest N and smallest σ: one panel per (β, post)
    /// when they vary, grouped bars coloured by map.
    /// </summary>
    public static void SupportHistogram(IReadOnlyList<SummaryRow> rows, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (n, sigma, sel, maps) = AtLargestNSmallestNoise(rows);
        var panels = Facets(sel, sel, r => (r.Beta, r.Post), facet =>
        {
            var plot = NewPlot($"{title}: support size (N = {n}, σ = {Inv(sigma)}){facet.Label}", "support size of the final weights", "% of queries");
            var series = facet.Rows;
            var width = 0.8 / Math.Max(1, series.Length);
            for (var s = 0; s < series.Length; s++)
            {
                var total = Math.Max(1, series[s].SupportHistogram.Sum());
                var color = Style(maps.IndexOf(series[s].Map), maps.Count).Color;
                var bars = new List<Bar>();
                for (var b = 0; b < CellMetrics.HistogramBins; b++)
                {
                    bars.Add(new Bar
                    {
                        Position = b - 0.4 + width * (s + 0.5),
                        Value = 100.0 * series[s].SupportHistogram[b] / total,
                        Size = width,
                        FillColor = color,
                        LineWidth = 0,
                    });
                }
                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = series[s].Map;
            }
            var labels = Enumerable.Range(0, CellMetrics.HistogramBins)
                .Select(b => new Tick(b, b == CellMetrics.HistogramBins - 1 ? ">10" : b.ToString(CultureInfo.InvariantCulture))).ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(labels);
            plot.Axes.SetLimitsY(0, 105);
            return plot;
        });
        SaveFigure(panels, path);
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

    /// <summary>A facet: the rows of one (β, post) and the panel-title suffix naming them (empty when nothing varies).</summary>
    private sealed record Facet(string Label, SummaryRow[] Rows);

    /// <summary>The rows at the largest N and the smallest σ, with the maps among them in first-seen order.</summary>
    private static (long N, double Sigma, SummaryRow[] Rows, List<string> Maps) AtLargestNSmallestNoise(IReadOnlyList<SummaryRow> rows)
    {
        var n = rows.Max(r => r.N);
        var sigma = rows.Min(r => r.Noise);
        var sel = rows.Where(r => r.N == n && r.Noise == sigma).ToArray();
        return (n, sigma, sel, sel.Select(r => r.Map).Distinct().ToList());
    }

    /// <summary>
    /// One median line (IQR band) per map against log10 of <paramref name="x"/>, a log bottom axis whose ticks read
    /// <paramref name="tickFormat"/>, success in [−0.05, 1.05].
    /// </summary>
    private static Plot SuccessLinesOnLogX(Plot plot, IEnumerable<SummaryRow> rows, List<string> maps, Func<SummaryRow, double> x, string tickFormat)
    {
        foreach (var s in rows.GroupBy(r => r.Map).OrderBy(g => maps.IndexOf(g.Key)))
        {
            var pts = s.OrderBy(x).ToArray();
            var xs = pts.Select(r => Math.Log10(x(r))).ToArray();
            var style = Style(maps.IndexOf(s.Key), maps.Count);
            Band(plot, xs, pts, style.Color);
            Line(plot, xs, pts.Select(r => r.Median).ToArray(), style, s.Key);
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString(tickFormat, CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsY(-0.05, 1.05);
        return plot;
    }

    /// <summary>
    /// One panel per distinct key of <paramref name="rows"/> (β, post; NaN β means "not a facet key"), labelled with
    /// what varies among <paramref name="all"/>; a single panel when nothing does.
    /// </summary>
    private static List<Plot> Facets(SummaryRow[] rows, IReadOnlyList<SummaryRow> all, Func<SummaryRow, (double Beta, string Post)> key, Func<Facet, Plot> draw)
    {
        var betas = all.Select(r => key(r).Beta).Where(b => !double.IsNaN(b)).Distinct().Count() > 1;
        var posts = all.Select(r => key(r).Post).Distinct().Count() > 1;
        return [.. rows.GroupBy(key).Select(g =>
        {
            var parts = new List<string>();
            if (betas) parts.Add($"β = {Inv(g.Key.Beta)}");
            if (posts) parts.Add(g.Key.Post);
            return draw(new Facet(parts.Count > 0 ? ", " + string.Join(", ", parts) : "", [.. g]));
        })];
    }

    /// <summary>
    /// Colour and marker by map, both distinct for every map of a plot (Category10 up to ten maps, then the 25-colour
    /// Tsitsulin palette; ten marker shapes cycle, so colour and marker pairs never repeat within 25 maps).
    /// </summary>
    private static (Color Color, MarkerShape Marker, float Size, float Width) Style(int map, int maps)
    {
        MarkerShape[] markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
            MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross, MarkerShape.Eks];
        IPalette palette = maps <= 10 ? new ScottPlot.Palettes.Category10() : new ScottPlot.Palettes.Tsitsulin();
        // Earlier maps get larger markers and wider lines, drawn first: where two maps give identical curves
        // (sparsemax and 2-normmax often do), the later one runs inside the earlier one and both stay visible.
        return (palette.GetColor(map), markers[map % markers.Length], Math.Max(7, 15 - 2 * map), Math.Max(2f, 5.5f - 1.2f * map));
    }

    private static void Band(Plot plot, double[] xs, SummaryRow[] pts, Color color)
    {
        if (!pts.Any(r => r.Q3 > r.Q1)) return;
        var band = plot.Add.FillY(xs, pts.Select(r => r.Q1).ToArray(), pts.Select(r => r.Q3).ToArray());
        band.FillColor = color.WithAlpha(0.12);
        band.LineWidth = 0;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, (Color Color, MarkerShape Marker, float Size, float Width) style, string label)
    {
        var line = plot.Add.Scatter(xs, ys, style.Color);
        line.LegendText = label;
        line.LineWidth = style.Width;
        line.MarkerShape = style.Marker;
        line.MarkerSize = style.Size;
    }

    /// <summary>A plot with fonts sized to stay legible when the PNG is shown at README width (about 900 px).</summary>
    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.Axes.Title.Label.FontSize = 20;
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.Label.FontSize = 18;
            axis.TickLabelStyle.FontSize = 16;
        }

        plot.Legend.FontSize = 16;
        return plot;
    }

    private static void Save(Plot plot, string path, int width = Width, int height = Height)
    {
        // Outside the data area: capacity curves fill every corner.
        if (plot.GetPlottables().Any(p => p is IHasLegendText { LegendText.Length: > 0 })) plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, height);
    }

    /// <summary>
    /// One panel as a <see cref="Width"/> × <see cref="Height"/> PNG with the legend at its right; several as a grid of
    /// <see cref="PanelWidth"/> × <see cref="PanelHeight"/> panels, at most <see cref="MaxPanelColumns"/> across (two keep the fonts legible at README width), each
    /// with the legend below it (same maps, same colours and markers in every panel).
    /// </summary>
    private static void SaveFigure(IReadOnlyList<Plot> panels, string path)
    {
        if (panels.Count == 1)
        {
            Save(panels[0], path);
            return;
        }

        var (rows, columns) = Grid(panels.Count);
        foreach (var panel in panels)
        {
            // A long title (experiment name, facet) would run into the next panel: shrink it to the panel's width
            // (bold serif, about 0.6 em per character), never below 12 px.
            var title = panel.Axes.Title.Label;
            title.FontSize = (float)Math.Clamp((PanelWidth - 40) / (0.6 * Math.Max(1, title.Text.Length)), 12, title.FontSize);
            if (panel.GetPlottables().Any(p => p is IHasLegendText { LegendText.Length: > 0 }))
            {
                panel.ShowLegend(Edge.Bottom);
            }
        }

        // The Multiplot(Plot) constructor holds its first panel already.
        var figure = new Multiplot(panels[0]);
        foreach (var panel in panels.Skip(1))
        {
            figure.AddPlot(panel);
        }

        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        figure.SavePng(path, columns * PanelWidth, rows * PanelHeight);
    }

    /// <summary>Rows and columns of the facet grid for <paramref name="panels"/> panels.</summary>
    public static (int Rows, int Columns) Grid(int panels)
    {
        var columns = Math.Min(MaxPanelColumns, Math.Max(1, panels));
        return ((panels + columns - 1) / columns, columns);
    }

    private static string Inv(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
}
