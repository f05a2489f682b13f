using System.Globalization;
using Hfy.Experiments.Exponential;
using Hfy.Experiments.Results;
using Hfy.Kernels.Theory;
using ScottPlot;

namespace Hfy.Experiments.Plots;

/// <summary>
/// PNG plots of an exponential experiment (ScottPlot 5), each with the theory beside the measurement: success over (α, β_net)
/// with the α_c(β_net) curve; α̂ against N with the asymptote; measured φ_max,other against α with √(1 − e^{−2α}); the
/// sparse maps' basin boundary φ₀(α) against its prediction. <see cref="WriteAll"/> also writes the report and the CSVs.
/// </summary>
public static class ExponentialPlots
{
    /// <summary>Writes the report, CSVs and every plot that applies into <paramref name="directory"/>; returns the files.</summary>
    public static IReadOnlyList<string> WriteAll(ExperimentRecord experiment, IReadOnlyList<CellRecord> cells, string directory)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(cells);
        Directory.CreateDirectory(directory);
        var files = new List<string>(ExponentialReport.WriteAll(experiment, cells, directory));
        var metrics = ExponentialReport.Metrics(cells);
        if (metrics.Count == 0) return files;
        var groups = ExponentialReport.Groups(metrics);
        var ramp = ExponentialReport.IsRamp(groups);
        var binary = metrics[0].Ensemble == "binary";
        var top = groups.Max(g => g.Start);
        foreach (var g in groups.Where(g => g.Start == top).GroupBy(g => (g.Map, Size: ramp ? g.Patterns : g.Dim)))
        {
            if (g.Select(x => x.BetaNet).Distinct().Count() < 2 && g.Select(x => x.AlphaEff).Distinct().Count() < 2) continue;
            var size = ramp ? $"P{g.Key.Size}" : $"N{g.Key.Size}";
            var path = Path.Combine(directory, $"{experiment.Id}-exp-heatmap-{Slug(g.Key.Map)}-{size}.png");
            Heatmap(g.ToArray(), path, $"{experiment.Name}: {g.Key.Map}, {(ramp ? $"P = {g.Key.Size} (N-ramp)" : $"N = {g.Key.Size}")}, φ₀ = {Inv(top)}");
            files.Add(path);
        }
        var thresholds = ExponentialReport.Thresholds(groups);
        if (thresholds.Any(t => t.Success.Value is not null || t.OneHot?.Value is not null || t.Dominance?.Value is not null))
        {
            var path = Path.Combine(directory, $"{experiment.Id}-exp-threshold-vs-n.png");
            ThresholdVsN(thresholds, groups, path, $"{experiment.Name}: α̂ against N");
            files.Add(path);
        }
        var phiPath = Path.Combine(directory, $"{experiment.Id}-exp-phimax.png");
        PhiMax(groups, binary, phiPath, $"{experiment.Name}: largest other overlap φ_max,other");
        files.Add(phiPath);
        var basins = ExponentialReport.BasinBoundaries(groups);
        if (basins.Count > 0)
        {
            var path = Path.Combine(directory, $"{experiment.Id}-exp-basin-boundary.png");
            BasinBoundary(basins, path, $"{experiment.Name}: basin boundary of the sparse maps");
            files.Add(path);
        }
        return files;
    }

    /// <summary>Success fraction as colored tiles over (α_eff, β_net), with α_c(β_net) drawn over them.</summary>
    public static void Heatmap(IReadOnlyList<ExponentialGroup> points, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(points);
        var plot = NewPlot(title, "load α = ln P / N", "β_net");
        var alphas = points.Select(p => p.AlphaEff).Distinct().OrderBy(a => a).ToArray();
        var betas = points.Select(p => p.BetaNet).Distinct().OrderBy(b => b).ToArray();
        var cmap = new ScottPlot.Colormaps.Viridis();
        foreach (var p in points)
        {
            var (x0, x1) = Span(alphas, p.AlphaEff);
            var (y0, y1) = Span(betas, p.BetaNet);
            var rect = plot.Add.Rectangle(x0, x1, y0, y1);
            rect.FillColor = cmap.GetColor(p.Rate);
            rect.LineWidth = 0;
            var label = plot.Add.Text(p.Rate.ToString("0.00", CultureInfo.InvariantCulture), p.AlphaEff, p.BetaNet);
            label.LabelFontColor = p.Rate > 0.6 ? Colors.Black : Colors.White;
            label.LabelFontSize = 10;
            label.LabelAlignment = Alignment.MiddleCenter;
        }
        var bs = Enumerable.Range(0, 200).Select(i => Span(betas, betas[0]).Lo + i * (Span(betas, betas[^1]).Hi - Span(betas, betas[0]).Lo) / 199).Where(b => b > 0).ToArray();
        var curve = plot.Add.Scatter(bs.Select(ExponentialCapacity.CriticalLoad).ToArray(), bs, Colors.Red);
        curve.LineWidth = 2;
        curve.MarkerSize = 0;
        curve.LegendText = "α_c(β_net) (N → ∞)";
        var sparse = points[0].Margin;
        if (sparse is { } m && points.Select(p => p.Dim).Distinct().Count() == 1)
        {
            var n = points[0].Dim;
            var ex = plot.Add.Scatter(bs.Select(b => ExponentialCapacity.SparseLoadExact(n, b, m)).ToArray(), bs, Colors.Orange);
            ex.LineWidth = 2;
            ex.LinePattern = LinePattern.Dashed;
            ex.MarkerSize = 0;
            ex.LegendText = $"exact P(one-hot) = ½ at N = {n}";
        }
        plot.Axes.SetLimits(Span(alphas, alphas[0]).Lo, Span(alphas, alphas[^1]).Hi, Span(betas, betas[0]).Lo, Span(betas, betas[^1]).Hi);
        Save(plot, path);
    }

    /// <summary>α̂ (± σ) against N per (map, β_net) with α_c(β_net) (softmax) or the exact finite-N sparse threshold.</summary>
    public static void ThresholdVsN(IReadOnlyList<ExponentialThreshold> thresholds, IReadOnlyList<ExponentialGroup> groups, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(groups);
        var plot = NewPlot(title, "dimension N", "threshold α̂ (filled: success = ½)");
        var palette = new ScottPlot.Palettes.Category10();
        var top = thresholds.Max(t => t.Start);
        var series = thresholds.Where(t => t.Start == top).GroupBy(t => (t.Map, t.BetaNet)).ToArray();
        var margins = groups.GroupBy(g => g.Map).ToDictionary(g => g.Key, g => g.First().Margin, StringComparer.Ordinal);
        var nMax = Math.Max(2, thresholds.Where(t => double.IsFinite(t.Dim)).Select(t => t.Dim).DefaultIfEmpty(2).Max());
        for (var s = 0; s < series.Length; s++)
        {
            var color = palette.GetColor(s);
            var pts = series[s].Where(t => t.Success.Value is not null && double.IsFinite(t.Dim)).OrderBy(t => t.Dim).ToArray();
            if (pts.Length > 0)
            {
                var xs = pts.Select(t => t.Dim).ToArray();
                var ys = pts.Select(t => t.Success.Value!.Value).ToArray();
                var sc = plot.Add.Scatter(xs, ys, color);
                sc.LegendText = $"{series[s].Key.Map} β_net={Inv(series[s].Key.BetaNet)}";
                sc.MarkerSize = 8;
                var err = plot.Add.ErrorBar(xs, ys, pts.Select(t => t.Success.Sigma).ToArray());
                err.LineColor = color;
            }
            OpenMarkers(plot, series[s], t => t.OneHot?.Value, color, MarkerShape.OpenTriangleUp, 11, "  one-hot rate = ½ (measured)");
            OpenMarkers(plot, series[s].Where(t => margins.GetValueOrDefault(t.Map) is null), t => t.Dominance?.Value, color, MarkerShape.OpenSquare, 10, "  p_target ≥ ½ at x = ξ");
            var ns = Enumerable.Range(0, 100).Select(i => 2 + i * (nMax * 1.2 - 2) / 99).ToArray();
            var theory = margins.GetValueOrDefault(series[s].Key.Map) is { } m
                ? ns.Select(n => ExponentialCapacity.SparseLoadExact((int)Math.Round(n), series[s].Key.BetaNet, m)).ToArray()
                : ns.Select(_ => ExponentialCapacity.CriticalLoad(series[s].Key.BetaNet)).ToArray();
            var line = plot.Add.Scatter(ns, theory, color);
            line.MarkerSize = 0;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = margins.GetValueOrDefault(series[s].Key.Map) is not null ? "  exact P(one-hot) = ½ (finite N)" : "  α_c(β_net)";
        }
        // Three entries per series: a wider canvas keeps the legend in one column.
        Save(plot, path, PlotWriter.Width + 100 * Math.Max(0, (series.Length * 3 - 12) / 4), PlotWriter.Height + 40 * Math.Max(0, series.Length * 3 - 14));
    }

    /// <summary>Measured median φ_max,other per (N, α) with √(1 − e^{−2α}) and the exact finite-N median.</summary>
    public static void PhiMax(IReadOnlyList<ExponentialGroup> groups, bool binary, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var plot = NewPlot(title, "load α = ln P / N", "φ_max,other (median over queries)");
        var palette = new ScottPlot.Palettes.Category10();
        var byDim = groups.GroupBy(g => (g.Dim, g.Patterns)).Select(g => g.First()).GroupBy(g => g.Dim).OrderBy(g => g.Key).ToArray();
        var i = 0;
        foreach (var d in byDim)
        {
            var pts = d.OrderBy(g => g.AlphaEff).ToArray();
            var color = palette.GetColor(i++);
            var sc = plot.Add.Scatter(pts.Select(p => p.AlphaEff).ToArray(), pts.Select(p => p.MedianPhiMaxOther).ToArray(), color);
            sc.LineWidth = 0;
            sc.MarkerSize = 8;
            sc.LegendText = $"measured, N = {d.Key}";
            var fin = plot.Add.Scatter(pts.Select(p => p.AlphaEff).ToArray(),
                pts.Select(p => p.Patterns >= 2 ? ExponentialCapacity.LargestOverlapMedian(p.Dim, p.Patterns, binary) : double.NaN).ToArray(), color);
            fin.LineWidth = 1;
            fin.LinePattern = LinePattern.Dotted;
            fin.MarkerShape = MarkerShape.OpenCircle;
            fin.MarkerSize = 12;
            fin.LegendText = $"exact finite-N median, N = {d.Key}";
        }
        var aMax = groups.Max(g => g.AlphaEff) * 1.1;
        var xs = Enumerable.Range(0, 200).Select(k => k * aMax / 199).ToArray();
        var line = plot.Add.Scatter(xs, xs.Select(ExponentialCapacity.LargestOverlap).ToArray(), Colors.Black);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        line.LegendText = "√(1 − e^{−2α}) (N → ∞)";
        Save(plot, path);
    }

    /// <summary>Measured basin boundary φ₀ against α, with the prediction √(1 − e^{−2α}) + m/(β_net N).</summary>
    public static void BasinBoundary(IReadOnlyList<BasinBoundaryRow> rows, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = NewPlot(title, "load α = ln P / N", "start overlap φ₀ where success = ½");
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var s in rows.GroupBy(r => (r.Map, r.BetaNet, r.Dim)))
        {
            var pts = s.OrderBy(r => r.AlphaEff).ToArray();
            var color = palette.GetColor(i++);
            var measured = pts.Where(r => r.Measured is not null).ToArray();
            if (measured.Length > 0)
            {
                var sc = plot.Add.Scatter(measured.Select(r => r.AlphaEff).ToArray(), measured.Select(r => r.Measured!.Value).ToArray(), color);
                sc.LineWidth = 0;
                sc.MarkerSize = 8;
                sc.LegendText = $"{s.Key.Map} β_net={Inv(s.Key.BetaNet)} N={s.Key.Dim}";
            }
            var pred = plot.Add.Scatter(pts.Select(r => r.AlphaEff).ToArray(), pts.Select(r => r.Predicted).ToArray(), color);
            pred.LinePattern = LinePattern.Dashed;
            pred.MarkerSize = 0;
            pred.LegendText = "  predicted";
        }
        Save(plot, path);
    }

    /// <summary>The finite thresholds <paramref name="value"/> reports against N as open markers on a dotted line (nothing when none).</summary>
    private static void OpenMarkers(Plot plot, IEnumerable<ExponentialThreshold> thresholds, Func<ExponentialThreshold, double?> value, Color color, MarkerShape shape, float size, string legend)
    {
        var pts = thresholds.Where(t => value(t) is not null && double.IsFinite(t.Dim)).OrderBy(t => t.Dim).ToArray();
        if (pts.Length == 0) return;
        var sc = plot.Add.Scatter(pts.Select(t => t.Dim).ToArray(), pts.Select(t => value(t)!.Value).ToArray(), color);
        sc.MarkerShape = shape;
        sc.MarkerSize = size;
        sc.LinePattern = LinePattern.Dotted;
        sc.LegendText = legend;
    }

    private static (double Lo, double Hi) Span(double[] sorted, double v)
    {
        var i = Array.IndexOf(sorted, v);
        var left = i > 0 ? (v - sorted[i - 1]) / 2 : i + 1 < sorted.Length ? (sorted[i + 1] - v) / 2 : Math.Max(Math.Abs(v) * 0.1, 0.05);
        var right = i + 1 < sorted.Length ? (sorted[i + 1] - v) / 2 : left;
        return (v - left, v + right);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void Save(Plot plot, string path, int width = PlotWriter.Width, int height = PlotWriter.Height)
    {
        if (plot.GetPlottables().Any(p => p is IHasLegendText { LegendText.Length: > 0 })) plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, height);
    }

    private static string Inv(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
}
