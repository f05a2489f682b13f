using Hfy.Actors.Partitions;
using Hfy.Actors.Serialization;
using Hfy.Kernels.Retrieval;

namespace Hfy.Actors.Tests.Partitions;

public sealed class GatherChunksTests
{
    private const string RequestId = "0123456789abcdef0123456789abcdef";

    /// <summary>Query b gathers sizes[b] consecutive rows from firstRow, with distinct scores.</summary>
    private static GatherPart[] Answer(long firstRow, params int[] sizes) =>
        sizes.Select((n, b) => new GatherPart(
            Enumerable.Range(0, n).Select(i => firstRow + i).ToArray(),
            Enumerable.Range(0, n).Select(i => (float)(b * 1e-3 + i * 1e-6)).ToArray(),
            Complete: b != 1)).ToArray();

    [Theory]
    [InlineData(65_536, new[] { 20_000, 0, 7_000, 13_001 })]
    [InlineData(65_536, new[] { 5_461, 5_461, 5_461 })]
    [InlineData(200_000, new[] { 16_000, 16_000, 16_000, 16_000, 16_000, 16_000, 16_000, 16_000 })]
    public void Split_KeepsEveryChunkBelowTheBudget_AndAssembleRestoresEveryQuery(int maxBytes, int[] sizes)
    {
        var parts = Answer(1_000_000, sizes);
        var total = sizes.Sum(n => (long)n);

        var chunks = GatherChunks.Split(RequestId, 7, 3, parts, maxBytes);

        Assert.True(chunks.Length > 1, "the answer is larger than one message");
        Assert.Equal(Enumerable.Range(0, chunks.Length), chunks.Select(c => c.Chunk));
        Assert.All(chunks, c =>
        {
            Assert.Equal(chunks.Length, c.Chunks);
            Assert.Equal(total, c.Pairs);
            Assert.Equal(sizes.Length, c.Queries.Length);
            Assert.InRange(HfySerializer.SizeOf(c), 1, maxBytes);
        });
        for (var b = 0; b < sizes.Length; b++)
        {
            var (ids, scores, complete) = SummaryMerge.Gathered(chunks.Select(c => c.Queries).ToList(), b);
            Assert.Equal(parts[b].Ids, ids);
            Assert.Equal(parts[b].Scores.Select(s => (double)s), scores);
            Assert.Equal(parts[b].Complete, complete);
        }
    }

    [Fact]
    public void Split_SendsASmallAnswerAsOneChunk()
    {
        var parts = Answer(0, 10, 3);
        var chunk = Assert.Single(GatherChunks.Split(RequestId, 1, 0, parts, 65_536));
        Assert.Equal((0, 1, 13L), (chunk.Chunk, chunk.Chunks, chunk.Pairs));
        Assert.Same(parts, chunk.Queries);
    }

    [Fact]
    public void Assemble_ConcatenatesPartitionsInIndexOrder_SoIdsAscend()
    {
        var p0 = GatherChunks.Split(RequestId, 1, 0, Answer(0, 6_000, 2), 65_536);
        var p1 = GatherChunks.Split(RequestId, 1, 1, Answer(6_000, 6_000, 1), 65_536);
        var (ids, _, complete) = SummaryMerge.Gathered(p0.Concat(p1).Select(c => c.Queries).ToList(), 0);
        Assert.Equal(Enumerable.Range(0, 12_000).Select(i => (long)i), ids);
        Assert.True(complete);
        Assert.False(SummaryMerge.Gathered(p0.Concat(p1).Select(c => c.Queries).ToList(), 1).Complete);
    }

    [Fact]
    public void Split_RefusesABatchWithNoRoomForPairs_NamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => GatherChunks.Split(RequestId, 1, 0, Answer(0, new int[3000]), 65_536));
        Assert.Contains("3000 queries", e.Message, StringComparison.Ordinal);
    }
}
