namespace Hfy.Kernels.Maps;

/// <summary>
/// Drives a threshold search over in-process partitions of float32 scores, exactly as the distributed
/// engine does over remote ones (global max and AnchorRank-th score, then probe rounds with the summaries
/// summed in partition order). For local engines and for tests that compare distributed with single-node.
/// </summary>
public static class ThresholdSolver
{
    /// <summary>The outcome of a search: τ, and how many probe rounds it took.</summary>
    /// <param name="Tau">Threshold in the map's absolute score scale (pass to <see cref="IThresholdMap.Weight"/>).</param>
    /// <param name="Rounds">Probe rounds used.</param>
    /// <param name="Count">Number of finite scores.</param>
    public readonly record struct Result(double Tau, int Rounds, long Count);

    /// <summary>Solves for τ over the union of <paramref name="partitions"/> (−∞ entries are masked).</summary>
    /// <exception cref="ArgumentException">No finite score, or fewer than AnchorRank of them.</exception>
    public static Result Solve(IThresholdMap map, IReadOnlyList<ReadOnlyMemory<float>> partitions)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(partitions);
        var rank = map.AnchorRank;

        // Each partition contributes its own top-`rank` scores; the global AnchorRank-th score is among them.
        var top = new List<float>();
        long count = 0;
        foreach (var part in partitions)
        {
            var span = part.Span;
            var local = new PriorityQueue<float, float>(rank + 1);
            foreach (var s in span)
            {
                if (float.IsNaN(s) || float.IsPositiveInfinity(s))
                {
                    throw new ArgumentException($"partitions: scores must be finite or −∞ (got {s}).", nameof(partitions));
                }

                if (s > float.NegativeInfinity)
                {
                    count++;
                    local.Enqueue(s, s);
                    if (local.Count > rank)
                    {
                        local.Dequeue();
                    }
                }
            }

            while (local.Count > 0)
            {
                top.Add(local.Dequeue());
            }
        }

        if (count < rank)
        {
            throw new ArgumentException($"partitions: the map needs at least {rank} finite scores (got {count}).", nameof(partitions));
        }

        top.Sort((a, b) => b.CompareTo(a));
        var search = map.BeginSearch(top[0], top[rank - 1], count);
        while (!search.IsDone)
        {
            var taus = search.NextProbes();
            if (search.IsDone)
            {
                break;
            }

            var summed = new MassSummary[taus.Length];
            foreach (var part in partitions)
            {
                map.Probe(part.Span, taus, summed);
            }

            search.Absorb(summed);
        }

        return new Result(search.Tau, search.Rounds, count);
    }
}
