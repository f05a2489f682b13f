using System.Diagnostics;

namespace Hfy.Kernels.Maps;

/// <summary>
/// The coordinator's threshold search (docs/architecture.md, step 3), shared by every sparse map.
/// Keeps a bracket [lo, hi] with M(lo) ≥ target ≥ M(hi). The first round probes offsets from the top
/// log-spaced over the bracket; later rounds probe the closed form and Newton/secant estimates from the
/// bracket ends (which are bounds when M is convex), a geometric cluster around the best estimate (log-mass
/// interpolation while scores still lie between the ends, Newton once none does, so that a good estimate
/// collapses the bracket by many orders at once), and a multisection of the rest.
/// It finishes exactly when a closed form is confirmed on an identified support (two probes with equal
/// support counts around it), or — for maps without one — when Newton on the identified support is
/// predicted accurate to 4 ulps of max(1, |τ|). Typically 2–4 rounds, also with 1e6 scores all near the top.
/// </summary>
internal sealed class BracketSearch : ThresholdSearch
{
    private const int MaxRounds = 64;
    private const int UniformProbes = 5;
    private const int FirstRoundProbes = 14;
    private const double UlpTol = 4.0;

    private readonly ThresholdModel _model;
    private readonly List<(double Tau, MassSummary S)> _history = [];
    private double _lo;
    private double _hi;
    private MassSummary? _sLo;
    private MassSummary? _sHi;
    private double[]? _pending;
    private bool _done;
    private double _tau = double.NaN;
    private int _rounds;

    /// <summary>Starts a search on [lo, hi]; M(lo) ≥ target ≥ M(hi) must hold.</summary>
    public BracketSearch(ThresholdModel model, double lo, double hi)
    {
        Debug.Assert(lo <= hi);
        _model = model;
        _lo = lo;
        _hi = hi;
        if (lo == hi)
        {
            Finish(lo);
        }
    }

    /// <inheritdoc />
    public override bool IsDone => _done;

    /// <inheritdoc />
    public override double Tau => _done ? _tau : throw new InvalidOperationException("The threshold search has not finished.");

    /// <inheritdoc />
    public override int Rounds => _rounds;

    /// <summary>Bracket lower end (mass ≥ target), for diagnostics and tests.</summary>
    public double Lo => _lo;

    /// <summary>Bracket upper end (mass ≤ target).</summary>
    public double Hi => _hi;

    /// <inheritdoc />
    public override double[] NextProbes()
    {
        if (_done)
        {
            return [];
        }

        if (_pending is not null)
        {
            return _pending;
        }

        var target = _model.Target;
        var points = new List<double>(24);
        if (_sLo is null)
        {
            points.Add(_lo);
        }

        if (_sHi is null && _hi != _lo)
        {
            points.Add(_hi);
        }

        double lower = _lo, upper = _hi;
        var estimates = new List<double>(6);
        double newtonLo = double.NaN, newtonHi = double.NaN, secant = double.NaN;
        if (_sLo is { } sl)
        {
            if (_model.HasClosedForm)
            {
                estimates.Add(_model.ClosedForm(_lo, sl));
            }

            newtonLo = _lo + _model.NewtonStep(sl);
        }

        if (_sHi is { } sh)
        {
            if (_model.HasClosedForm)
            {
                estimates.Add(_model.ClosedForm(_hi, sh));
            }

            newtonHi = _hi + _model.NewtonStep(sh);

            if (_sLo is { } sl2 && sl2.Mass > sh.Mass)
            {
                secant = _lo + ((sl2.Mass - target) * (_hi - _lo) / (sl2.Mass - sh.Mass));
            }
        }

        var identified = _sLo is { } a && _sHi is { } b && ThresholdModel.SameSupport(a, b);
        if (_model.IsConvex)
        {
            // Tangents of the convex decreasing M^{1/e} cross the target left of τ*, chords of M right of it.
            lower = MaxFinite(lower, newtonLo, newtonHi);
            upper = MinFinite(upper, secant);
            estimates.Add(newtonLo);
            estimates.Add(secant);
        }
        else if (_model.IsConcaveOnSupport && identified)
        {
            upper = MinFinite(upper, newtonHi);
            lower = MaxFinite(lower, secant, double.NaN);
            estimates.Add(newtonHi);
            estimates.Add(secant);
        }
        else
        {
            estimates.Add(newtonLo);
            estimates.Add(newtonHi);
            estimates.Add(secant);
        }

        if (lower > upper)
        {
            // Rounding at the root: both bounds are within an ulp or two of τ*.
            lower = upper = 0.5 * (lower + upper);
        }

        var width = upper - lower;
        var best = double.NaN;
        foreach (var est in estimates)
        {
            if (est >= lower && est <= upper)
            {
                points.Add(est);
                if (double.IsNaN(best))
                {
                    best = est;
                }
            }
        }

        points.Add(lower);
        points.Add(upper);
        if (_sLo is null && _sHi is null)
        {
            // First round: nothing is known but the bracket, and τ* may sit anywhere from the far end to
            // within 1/n of the top, so probe offsets from the top log-spaced over the whole range.
            var top = _lo + 1.0;
            var nearest = Math.Max(top - _hi, 1e-12);
            for (var j = 1; j < FirstRoundProbes; j++)
            {
                points.Add(top - Math.Pow(nearest, (double)j / FirstRoundProbes));
            }
        }
        else
        {
            double[] offsets;
            if (identified)
            {
                // No score between the ends: M is smooth there and the Newton estimate is accurate to its
                // squared step, so the cluster reaches far in: w/100, w/10⁴, …, w/10¹⁰ on both sides.
                offsets = [1e-2, 1e-4, 1e-6, 1e-8, 1e-10];
            }
            else
            {
                // Kinks ahead: interpolate log M linearly between the ends (exact for a single power term),
                // and keep the cluster around it moderate.
                if (_sLo is { Mass: > 0 } il && _sHi is { Mass: > 0 } ih && il.Mass > ih.Mass)
                {
                    var t = _lo + ((_hi - _lo) * Math.Log(il.Mass / target) / Math.Log(il.Mass / ih.Mass));
                    if (t >= lower && t <= upper)
                    {
                        best = t;
                        points.Add(t);
                    }
                }

                offsets = [1e-1, 2e-2, 4e-3, 8e-4, 1.6e-4];
            }

            if (double.IsNaN(best))
            {
                best = 0.5 * (lower + upper);
            }

            foreach (var o in offsets)
            {
                points.Add(best - (o * width));
                points.Add(best + (o * width));
            }

            for (var u = 1; u <= UniformProbes; u++)
            {
                points.Add(lower + (width * u / (UniformProbes + 1)));
            }
        }

        var probes = Filter(points);
        if (probes.Length == 0)
        {
            // No double strictly inside the bracket is left to probe.
            Finish(FinalEstimate(best));
            return [];
        }

        _pending = probes;
        return probes;
    }

    /// <inheritdoc />
    public override void Narrow(double lo, double hi)
    {
        if (_done || _pending is not null)
        {
            return;
        }

        if (lo > _lo && lo < _hi)
        {
            _lo = lo;
            _sLo = null;
        }

        if (hi < _hi && hi > _lo)
        {
            _hi = hi;
            _sHi = null;
        }
    }

    /// <inheritdoc />
    public override void Absorb(ReadOnlySpan<MassSummary> summed)
    {
        if (_done)
        {
            return;
        }

        var probes = _pending ?? throw new InvalidOperationException("Absorb called without a pending NextProbes round.");
        if (summed.Length != probes.Length)
        {
            throw new ArgumentException($"summed: expected {probes.Length} summaries, got {summed.Length}.", nameof(summed));
        }

        _pending = null;
        _rounds++;
        var target = _model.Target;
        for (var j = 0; j < probes.Length; j++)
        {
            var tau = probes[j];
            var s = summed[j];
            _history.Add((tau, s));
            if (s.Mass >= target)
            {
                if (tau >= _lo)
                {
                    _lo = tau;
                    _sLo = s;
                }
            }
            else if (tau <= _hi)
            {
                _hi = tau;
                _sHi = s;
            }
        }

        if (_lo >= _hi)
        {
            // A probe at (or, through rounding noise in the masses, beyond) the other end hit the target:
            // the bracket has collapsed onto τ*.
            Finish(_lo);
            return;
        }

        if (TryConfirm(out var exact))
        {
            Finish(exact);
            return;
        }

        if (_rounds >= MaxRounds)
        {
            Finish(FinalEstimate(0.5 * (_lo + _hi)));
        }
    }

    private bool TryConfirm(out double tau)
    {
        tau = double.NaN;
        if (_model.HasClosedForm)
        {
            // A closed form from probe x is exact when a probe y with the same support encloses it with x.
            foreach (var (x, sx) in _history)
            {
                var c = _model.ClosedForm(x, sx);
                if (double.IsNaN(c) || c < _lo || c > _hi || !_model.IsWellConditioned(sx))
                {
                    continue;
                }

                foreach (var (y, sy) in _history)
                {
                    if (ThresholdModel.SameSupport(sx, sy) && c >= Math.Min(x, y) && c <= Math.Max(x, y))
                    {
                        tau = c;
                        return true;
                    }
                }
            }

            return false;
        }

        if (_sLo is not { } sl || _sHi is not { } sh || !ThresholdModel.SameSupport(sl, sh))
        {
            return false;
        }

        var scale = Math.Max(1.0, Math.Abs(_lo));
        var tol = UlpTol * (Math.BitIncrement(scale) - scale);
        var estimate = FinalEstimate(0.5 * (_lo + _hi));
        var fromLo = Math.Abs(_model.NewtonStep(sl));
        var fromHi = Math.Abs(_model.NewtonStep(sh));
        var step = Math.Min(double.IsNaN(fromLo) ? double.PositiveInfinity : fromLo, double.IsNaN(fromHi) ? double.PositiveInfinity : fromHi);

        // On a fixed support M is smooth: a Newton step s from an end misses τ* by about (|M''|/2|M'|)·s²,
        // with M'' read off the slopes at the two ends.
        var curvature = Math.Abs(sh.Slope - sl.Slope) / (_hi - _lo);
        var slope = Math.Min(Math.Abs(sl.Slope), Math.Abs(sh.Slope));
        var predicted = slope > 0 ? 0.5 * curvature / slope * step * step : double.PositiveInfinity;
        if (_hi - _lo <= tol || step <= tol || (step <= _hi - _lo && 4 * predicted <= tol))
        {
            tau = estimate;
            return true;
        }

        return false;
    }

    /// <summary>Best point estimate inside the bracket: Newton from the side where it is monotone.</summary>
    private double FinalEstimate(double fallback)
    {
        var target = _model.Target;
        if (_model.HasClosedForm && _sLo is { } c)
        {
            var cf = _model.ClosedForm(_lo, c);
            if (cf >= _lo && cf <= _hi)
            {
                return cf;
            }
        }

        // Newton from whichever end moves least: its error is quadratic in that step.
        double est = double.NaN, step = double.PositiveInfinity;
        if (_sLo is { } sl)
        {
            var d = _model.NewtonStep(sl);
            if (!double.IsNaN(d))
            {
                step = Math.Abs(d);
                est = _lo + d;
            }
        }

        if (_sHi is { } sh)
        {
            var d = _model.NewtonStep(sh);
            if (Math.Abs(d) < step)
            {
                est = _hi + d;
            }
        }

        if (double.IsNaN(est))
        {
            est = double.IsNaN(fallback) ? 0.5 * (_lo + _hi) : fallback;
        }

        // A probe within the mass slack of the target can sit an ulp on the wrong side of τ*.
        est = Math.Clamp(est, _lo, _hi);

        return est;
    }

    private double[] Filter(List<double> points)
    {
        points.Sort();
        var result = new List<double>(points.Count);
        var prev = double.NaN;
        foreach (var p in points)
        {
            if (!double.IsFinite(p) || p == prev)
            {
                continue;
            }

            var endpointUnprobed = (p == _lo && _sLo is null) || (p == _hi && _sHi is null);
            if ((p > _lo && p < _hi) || endpointUnprobed)
            {
                result.Add(p);
                prev = p;
            }
        }

        return [.. result];
    }

    private void Finish(double tau)
    {
        _tau = tau;
        _done = true;
        _pending = null;
    }

    private static double MaxFinite(double a, double b, double c)
    {
        var m = a;
        if (b > m)
        {
            m = b;
        }

        if (c > m)
        {
            m = c;
        }

        return m;
    }

    private static double MinFinite(double a, double b) => b < a ? b : a;
}
