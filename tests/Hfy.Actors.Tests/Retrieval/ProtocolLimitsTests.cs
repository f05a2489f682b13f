using Hfy.Actors.Retrieval;

namespace Hfy.Actors.Tests.Retrieval;

public sealed class ProtocolLimitsTests
{
    [Theory]
    [InlineData(1, 16, 1)]
    [InlineData(64, 64, 1)]
    [InlineData(64, 784, 1)]
    [InlineData(256, 784, 8)]
    [InlineData(256, 2048, 2)]
    public void Plan_KeepsEveryReplyBelowTheMessageBudget(int batch, int dim, int k)
    {
        var settings = new RetrievalSettings();
        var plan = ProtocolLimits.Plan(settings, batch, dim, k);

        Assert.True(ProtocolLimits.ScoreReplyBytes(batch, dim, k, plan.CandidateCap, plan.RowCap, plan.PairCap) <= settings.MaxMessageBytes);
        Assert.True(ProtocolLimits.ReadoutReplyBytes(batch, dim, plan.PairCap) <= settings.MaxMessageBytes);
        Assert.Equal(settings.GatherCap, plan.GatherCap); // gather replies stream in chunks (GatherChunksTests)
        Assert.InRange(plan.CandidateCap, 1, settings.CandidateCap);
        Assert.InRange(plan.RowCap, 0, settings.RowCap);
    }

    [Fact]
    public void Plan_KeepsTheDefaultsForSmallBatches()
    {
        var settings = new RetrievalSettings();
        var plan = ProtocolLimits.Plan(settings, 4, 64, 1);
        Assert.Equal(settings.CandidateCap, plan.CandidateCap);
        Assert.Equal(settings.RowCap, plan.RowCap);
    }

    [Fact]
    public void Plan_RefusesABatchThatCannotFitOneMessage()
    {
        var e = Assert.Throws<ArgumentException>(() => ProtocolLimits.Plan(new RetrievalSettings(), 100_000, 4096, 1));
        Assert.Contains("batch", e.Message, StringComparison.Ordinal);
    }
}
