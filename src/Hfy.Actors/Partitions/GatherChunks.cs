using System.Diagnostics;
using Hfy.Actors.Protocol;
using Hfy.Kernels.Retrieval;

namespace Hfy.Actors.Partitions;

/// <summary>
/// Streams a gather answer in chunks that each serialize below the message budget (in the dense regime every row
/// of the partition is a candidate for every query: N/P × batch pairs), and puts a query's pairs back together on
/// the coordinator (<see cref="Hfy.Kernels.Retrieval.SummaryMerge.Gathered"/>).
/// </summary>
internal static class GatherChunks
{
    /// <summary>Serialized bytes per (id, score) pair: ids and scores travel as raw 8- and 4-byte blocks.</summary>
    public const int PairBytes = 12;

    /// <summary>Envelope of one reply: request id, round, partition, chunk counters (generous; a test checks it).</summary>
    private const int ReplyOverhead = 256;

    /// <summary>Per query per chunk: the part's array headers and flag, even when empty.</summary>
    private const int PartOverhead = 32;

    /// <summary>Pairs one chunk may carry for a batch of <paramref name="queries"/> under <paramref name="maxBytes"/>.</summary>
    public static long PairsPerChunk(int maxBytes, int queries, int requestIdLength)
    {
        var room = (long)maxBytes - ReplyOverhead - 4L * requestIdLength - (long)PartOverhead * queries;
        if (room < PairBytes)
            throw new ArgumentException($"gather: {queries} queries leave no room for pairs in a message of {maxBytes} bytes; split the batch", nameof(queries));
        return room / PairBytes;
    }

    /// <summary>
    /// Splits a partition's per-query answer into chunks: chunk c carries, query after query, the next pairs until it
    /// holds <see cref="PairsPerChunk"/>; every chunk lists every query (empty runs where it has none).
    /// </summary>
    public static GatherReply[] Split(string requestId, int round, int partition, GatherPart[] parts, int maxBytes)
    {
        long total = 0;
        foreach (var p in parts) total += p.Ids.Length;
        var perChunk = PairsPerChunk(maxBytes, parts.Length, requestId.Length);
        if (total <= perChunk) return [new GatherReply(requestId, round, partition, parts, 0, 1, total)];

        var chunks = checked((int)((total + perChunk - 1) / perChunk));
        var replies = new GatherReply[chunks];
        int b = 0, offset = 0;
        for (var c = 0; c < chunks; c++)
        {
            var runs = new GatherPart[parts.Length];
            for (var j = 0; j < runs.Length; j++) runs[j] = new GatherPart([], [], parts[j].Complete);
            var room = perChunk;
            while (room > 0 && b < parts.Length)
            {
                var left = parts[b].Ids.Length - offset;
                if (left == 0)
                {
                    b++;
                    offset = 0;
                    continue;
                }

                var take = (int)Math.Min(left, room);
                runs[b] = new GatherPart(parts[b].Ids.AsSpan(offset, take).ToArray(), parts[b].Scores.AsSpan(offset, take).ToArray(), parts[b].Complete);
                offset += take;
                room -= take;
            }

            replies[c] = new GatherReply(requestId, round, partition, runs, c, chunks, total);
        }

        Debug.Assert(replies.Sum(r => r.Queries.Sum(q => (long)q.Ids.Length)) == total, "every pair sent exactly once");
        return replies;
    }
}
