using System.Diagnostics;

namespace Hfy.Kernels.Structured;

/// <summary>
/// MAP oracle of sequential k-subsets (docs/math.md §2): over a sequence of rows (given by their
/// ascending positions in the bank), choose exactly k rows maximizing Σ η_i y_i + w Σ y_i y_next, where the
/// bonus w counts for each selected pair whose positions differ by 1. Budgeted Viterbi (state = count so
/// far, whether the previous candidate was taken), run only on the rows that can be in a MAP structure.
/// </summary>
/// <remarks>
/// Pruning (exact): with η_(k) the k-th largest score, a row with η_i + 2|w| &lt; η_(k) is never in a MAP
/// structure — swapping it for a top-k row outside the structure changes the pair bonus by at most 2|w|
/// and raises the unary part by more — so the DP runs over {i : η_i + 2|w| ≥ η_(k)}: a quickselect plus
/// O(candidates · k). Ties in the DP prefer "not selected", then the predecessor that was not selected,
/// so the pruned and the full DP return the same structure.
/// </remarks>
public sealed class SequenceBudgetOracle : IMapOracle
{
    private readonly bool[] _adjacentToPrevious;
    private readonly int _k;
    private readonly double _w;
    private readonly bool _prune;
    private double[] _select = [];
    private int[] _candidates = [];
    private byte[] _back = [];

    /// <summary>Creates the oracle for a sequence of rows at <paramref name="positions"/> (strictly ascending).</summary>
    /// <param name="positions">Bank positions of the rows; rows i−1, i are adjacent when their positions differ by 1.</param>
    /// <param name="k">Number of rows to select, 1 ≤ k ≤ positions.Length.</param>
    /// <param name="w">Bonus per adjacent selected pair (finite; may be negative).</param>
    /// <param name="prune">Restrict the DP to the rows that can be selected (default); false runs the full O(N·k) DP.</param>
    public SequenceBudgetOracle(ReadOnlySpan<long> positions, int k, double w, bool prune = true)
    {
        if (k < 1 || k > positions.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k: must be in 1..{positions.Length} (the number of rows)");
        if (!double.IsFinite(w)) throw new ArgumentException($"w: must be finite (got {w})", nameof(w));
        _adjacentToPrevious = new bool[positions.Length];
        for (int i = 1; i < positions.Length; i++)
        {
            if (positions[i] <= positions[i - 1])
                throw new ArgumentException($"positions: must be strictly ascending (positions[{i}] = {positions[i]} after {positions[i - 1]})", nameof(positions));
            _adjacentToPrevious[i] = positions[i] - positions[i - 1] == 1;
        }
        _k = k;
        _w = w;
        _prune = prune;
    }

    /// <inheritdoc />
    public int Length => _adjacentToPrevious.Length;

    /// <summary>Number of rows that entered the DP at the last <see cref="Maximize"/> call.</summary>
    public int LastCandidateCount { get; private set; }

    /// <inheritdoc />
    public double ExtraScore(ReadOnlySpan<int> structure)
    {
        int pairs = 0;
        for (int t = 1; t < structure.Length; t++)
        {
            if (structure[t] == structure[t - 1] + 1 && _adjacentToPrevious[structure[t]]) pairs++;
        }
        return _w * pairs;
    }

    /// <inheritdoc />
    public int[] Maximize(ReadOnlySpan<double> eta, out double score)
    {
        int n = Length, k = _k;
        if (eta.Length != n) throw new ArgumentException($"eta: length must be {n}", nameof(eta));
        if (_candidates.Length < n) _candidates = new int[n];
        int m = 0;
        if (_prune && n > k)
        {
            if (_select.Length < n) _select = new double[n];
            eta.CopyTo(_select);
            double kth = Selection.KthLargest(_select.AsSpan(0, n), k);
            double bound = kth - 2 * Math.Abs(_w);
            for (int i = 0; i < n; i++)
            {
                if (eta[i] >= bound) _candidates[m++] = i;
            }
        }
        else
        {
            for (int i = 0; i < n; i++) _candidates[m++] = i;
        }
        Debug.Assert(m >= k);
        LastCandidateCount = m;

        // values[c] for the state "c taken so far, previous candidate not taken" (v0) / "taken" (v1).
        int width = k + 1;
        Span<double> buffer = 4 * width <= 512 ? stackalloc double[4 * width] : new double[4 * width];
        var v0 = buffer[..width];
        var v1 = buffer.Slice(width, width);
        var n0 = buffer.Slice(2 * width, width);
        var n1 = buffer.Slice(3 * width, width);
        v0.Fill(double.NegativeInfinity);
        v1.Fill(double.NegativeInfinity);
        v0[0] = 0;

        // back[t, c]: bit 0 = predecessor state of (t, c, not taken); bit 1 = of (t, c, taken).
        long backSize = (long)m * width;
        if (_back.LongLength < backSize) _back = new byte[backSize];
        for (int t = 0; t < m; t++)
        {
            int i = _candidates[t];
            bool adjacent = t > 0 && _candidates[t - 1] == i - 1 && _adjacentToPrevious[i];
            double bonus = adjacent ? _w : 0;
            double e = eta[i];
            int cmax = Math.Min(t + 1, k);
            long row = (long)t * width;
            for (int c = 0; c <= cmax; c++)
            {
                byte bits = 0;
                // Not taken: from either state at the same count; prefer "previous not taken" on ties.
                if (v1[c] > v0[c]) { n0[c] = v1[c]; bits |= 1; }
                else n0[c] = v0[c];
                if (c >= 1)
                {
                    double a = v0[c - 1] + e;
                    double b = v1[c - 1] + e + bonus;
                    if (b > a) { n1[c] = b; bits |= 2; }
                    else n1[c] = a;
                }
                else n1[c] = double.NegativeInfinity;
                _back[row + c] = bits;
            }
            for (int c = cmax + 1; c <= k; c++) { n0[c] = double.NegativeInfinity; n1[c] = double.NegativeInfinity; }
            n0.CopyTo(v0);
            n1.CopyTo(v1);
        }

        bool taken = v1[k] > v0[k];
        score = taken ? v1[k] : v0[k];
        var structure = new int[k];
        int count = k;
        for (int t = m - 1; t >= 0 && count > 0; t--)
        {
            byte bits = _back[(long)t * width + count];
            if (taken)
            {
                structure[--count] = _candidates[t];
                taken = (bits & 2) != 0;
            }
            else
            {
                taken = (bits & 1) != 0;
            }
        }
        Debug.Assert(count == 0);
        return structure;
    }
}
