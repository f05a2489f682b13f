using Hfy.Experiments.Engines;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>Memory admission: a bank over the budget is refused naming both numbers; mapped and procedural banks larger than it run.</summary>
public sealed class MemoryAdmissionTests
{
    [Fact]
    public async Task MappedBank_LargerThanTheBudget_RetrievesAsTheResidentBank_WhileResidentIsRefused()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"hfy-admission-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            // 20,000 × 16 float32 = 1.22 MiB against a 256 KiB budget.
            var gen = new BankSpec("g", 20_000, 16, BankSourceKind.Gaussian, 3);
            var rows = BankSources.ReadRows(gen, 0, 20_000);
            var path = Path.Combine(dir, "bank.npy");
            NpyWriter.Write(path, rows, 20_000, 16);
            var spec = new BankSpec("m", 20_000, 16, BankSourceKind.Npy, Path: path);
            await using var tight = new LocalEngine { MemoryBudgetBytes = 256 << 10 };

            var refused = await Assert.ThrowsAsync<ArgumentException>(() => tight.CreateBankAsync(spec, CancellationToken.None));
            Assert.StartsWith("bank 'm': 20,000 rows × D = 16 as resident storage need 1.22 MiB, over the memory budget of 256.00 KiB; use storage mapped", refused.Message, StringComparison.Ordinal);

            var mapped = spec with { Name = "mapped", Storage = BankStorage.Mapped };
            await tight.CreateBankAsync(mapped, CancellationToken.None);
            await using var roomy = new LocalEngine();
            await roomy.CreateBankAsync(spec, CancellationToken.None);
            var queries = new float[3 * 16];
            for (var b = 0; b < 3; b++) rows.AsSpan(b * 6000 * 16, 16).CopyTo(queries.AsSpan(b * 16, 16));
            var options = new RetrievalOptions(MapSpec.Entmax(1.5), 5, 3);
            var want = await roomy.RetrieveAsync("m", queries, 3, options, CancellationToken.None);
            var got = await tight.RetrieveAsync("mapped", queries, 3, options, CancellationToken.None);
            for (var b = 0; b < 3; b++)
            {
                Assert.Equal(want.Results[b].Ids, got.Results[b].Ids);
                for (var k = 0; k < 16; k++) Assert.True(Math.Abs(want.Results[b].Q[k] - got.Results[b].Q[k]) <= 1e-9, $"q[{k}]");
                Assert.Equal(b * 6000L, got.Results[b].Retrieved);
            }
            // One pass per step at least (the final evaluation's is saved when every query ends at a fixed point).
            Assert.True(got.Stats.StorePasses >= 3, $"the mapped bank streamed (passes {got.Stats.StorePasses})");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task BankNodes_ReportMemoryBudgetAndStorageKinds_ToTheCoordinator()
    {
        await using var cluster = await Hfy.Coordinator.Engine.EmbeddedCluster.StartAsync(2, new Hfy.Coordinator.Engine.EmbeddedClusterOptions { NumericThreadsPerNode = 1 });
        await cluster.Engine.CreateBankAsync(new BankSpec("proc", 50_000, 8, BankSourceKind.Sphere, 1, Storage: BankStorage.Procedural), CancellationToken.None);
        await cluster.Engine.CreateBankAsync(new BankSpec("half", 5_000, 8, BankSourceKind.Gaussian, 1, Storage: BankStorage.Half), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Hfy.Coordinator.Engine.NodeLoad[] nodes;
        do
        {
            await Task.Delay(250);
            nodes = cluster.Engine.Metrics.Snapshot().Nodes;
        }
        while (DateTime.UtcNow < deadline && (nodes.Length < 2 || nodes.Any(n => n.PeakWorkingSet == 0 || n.Storage.Length < 2)));

        Assert.Equal(2, nodes.Length);
        foreach (var n in nodes)
        {
            Assert.True(n.PeakWorkingSet >= n.WorkingSet && n.WorkingSet > 0, $"{n.Node}: rss {n.WorkingSet}, peak {n.PeakWorkingSet}");
            Assert.True(n.Budget > 0, $"{n.Node}: budget {n.Budget}");
            Assert.Equal(["half", "procedural"], n.Storage);
        }
        // Procedural partitions hold no rows; float16 ones 2 bytes per value.
        Assert.Equal(5_000L * 8 * 2, nodes.Sum(n => n.Bytes));
    }

    [Theory]
    [InlineData("123", 123L)]
    [InlineData("64M", 64L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("0", null)]
    [InlineData("-4G", null)]
    [InlineData("lots", null)]
    public void BudgetSizes_Parse(string text, long? bytes) => Assert.Equal(bytes, MemoryAdmission.ParseBytes(text));
}
