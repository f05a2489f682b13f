using System.Collections.Concurrent;
using Hfy.Experiments;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>The image protocol's sampling: seeded random memory subsets per repeat, every stored pattern queried.</summary>
public class ImageSamplingTests
{
    private const int FileRows = 60;
    private const int Dim = 4;

    /// <summary>Records, per bank, which file rows it holds (row i of the file starts with the value i) and the first coordinates of the queries.</summary>
    private sealed class RecordingEngine : IRetrievalEngine
    {
        private readonly LocalEngine _inner = new();

        public ConcurrentDictionary<string, int[]> BankRows { get; } = new();

        public ConcurrentDictionary<string, ConcurrentBag<int>> QueriedRows { get; } = new();

        public async Task CreateBankAsync(BankSpec spec, CancellationToken cancellationToken)
        {
            var bank = BankSources.Load(spec);
            BankRows[spec.Name] = Enumerable.Range(0, bank.Rows).Select(i => (int)bank.Row(i)[0]).ToArray();
            await _inner.CreateBankAsync(spec, cancellationToken);
        }

        public Task DropBankAsync(string bankName, CancellationToken cancellationToken) => _inner.DropBankAsync(bankName, cancellationToken);

        public Task<BatchRetrievalResult> RetrieveAsync(string bankName, float[] queries, int batch, RetrievalOptions options, CancellationToken cancellationToken)
        {
            var bag = QueriedRows.GetOrAdd($"{bankName}|{options.Map.Label}", _ => []);
            for (var b = 0; b < batch; b++) bag.Add((int)queries[b * Dim]);
            return _inner.RetrieveAsync(bankName, queries, batch, options, cancellationToken);
        }

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    private static string WriteFile(string dir)
    {
        var data = new float[FileRows * Dim];
        for (var i = 0; i < FileRows; i++)
        {
            data[i * Dim] = i;
            data[i * Dim + 1] = 1;
            data[i * Dim + 2] = -0.5f;
            data[i * Dim + 3] = i % 7;
        }
        var path = Path.Combine(dir, "images.npy");
        NpyWriter.Write(path, data, FileRows, Dim);
        return path;
    }

    private static string Spec(string path, ulong bankSeed) => $$"""
        {
          "kind": "capacity",
          "bank": { "source": "npy", "path": "{{path}}", "seed": {{bankSeed}} },
          "grid": { "sizes": [10, 20], "maps": [ { "name": "sparsemax" }, { "name": "classical", "posts": ["tanh"] } ], "betas": [1], "steps": 1 },
          "success": { "criterion": "cosine" },
          "seed": 3
        }
        """;

    /// <summary>Runs the spec and returns, per (N, repeat), the file rows of its bank, plus the stored cells and the engine.</summary>
    private static async Task<(Dictionary<(long N, int Repeat), int[]> Subsets, IReadOnlyList<CellRecord> Cells, RecordingEngine Engine)> RunAsync(string dir, string json)
    {
        var store = ResultsStore.Open(Path.Combine(dir, Guid.NewGuid().ToString("N")));
        var engine = new RecordingEngine();
        var runner = new ExperimentRunner(engine, store);
        var id = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
        await runner.RunAsync(id, null, CancellationToken.None);
        var subsets = engine.BankRows.ToDictionary(
            kv => (long.Parse(kv.Key.Split("-n")[^1].Split("-r")[0], System.Globalization.CultureInfo.InvariantCulture),
                   int.Parse(kv.Key.Split("-r")[^1], System.Globalization.CultureInfo.InvariantCulture)),
            kv => kv.Value);
        return (subsets, store.GetCells(id), engine);
    }

    [Fact]
    public async Task DefaultImageExperiment_QueriesEveryStoredPattern_OfFiveSeededSubsets()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir.Path);
        var (subsets, cells, engine) = await RunAsync(dir.Path, Spec(path, 7));

        // 5 repeats by default for a file bank; one bank per (N, repeat).
        Assert.Equal(2 * 5 * 2, cells.Count);
        Assert.Equal(10, subsets.Count);
        foreach (var ((n, r), rows) in subsets)
        {
            Assert.Equal(n, rows.Length);
            Assert.Equal(rows.Length, rows.Distinct().Count());
            Assert.All(rows, i => Assert.InRange(i, 0, FileRows - 1));
            // Subsets of one repeat are nested, as randperm(rows)[:N] is.
            if (n == 20) Assert.Equal(subsets[(10, r)], rows[..10]);
        }
        // Different subsets for different repeats.
        for (var r = 0; r < 5; r++)
        {
            for (var s = r + 1; s < 5; s++) Assert.NotEqual(subsets[(20, r)].Order(), subsets[(20, s)].Order());
        }
        // Every stored pattern is queried once, by the engine's maps and by the baselines.
        Assert.All(cells, c => Assert.Equal(c.Params.N, c.Metrics.Queries));
        foreach (var (key, queried) in engine.QueriedRows)
        {
            var bank = key.Split('|')[0];
            Assert.Equal(engine.BankRows[bank].Order(), queried.Order());
        }
    }

    [Fact]
    public async Task SameSeed_SameSubsets_OtherSeed_OtherSubsets()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir.Path);
        var (a, _, _) = await RunAsync(dir.Path, Spec(path, 7));
        var (b, _, _) = await RunAsync(dir.Path, Spec(path, 7));
        var (c, _, _) = await RunAsync(dir.Path, Spec(path, 8));
        foreach (var key in a.Keys)
        {
            Assert.Equal(a[key], b[key]);
            Assert.NotEqual(a[key].Order(), c[key].Order());
        }
    }

    [Fact]
    public async Task Metastable_QueriesHeldOutRows_OfTheSamePermutation()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir.Path);
        var json = Spec(path, 7).Replace("\"kind\": \"capacity\"", "\"kind\": \"metastable\", \"queries\": 6", StringComparison.Ordinal)
            .Replace(", { \"name\": \"classical\", \"posts\": [\"tanh\"] }", "", StringComparison.Ordinal);
        var (subsets, cells, engine) = await RunAsync(dir.Path, json);
        Assert.All(cells, c => Assert.Equal(6, c.Metrics.Queries));
        foreach (var (key, queried) in engine.QueriedRows)
        {
            var bank = key.Split('|')[0];
            Assert.Equal(6, queried.Count);
            Assert.Empty(queried.Intersect(engine.BankRows[bank]));
        }
        // The held-out rows are the permutation's next rows: N = 10's queries start the N = 20 bank's second half.
        var (q10, b20) = (engine.QueriedRows.First(kv => kv.Key.Contains("-n10-r0|", StringComparison.Ordinal)).Value, subsets[(20, 0)]);
        Assert.Equal(b20[10..16].Order(), q10.Order());
    }

    [Fact]
    public void Subset_IsAPrefixOfOneSeededPermutation()
    {
        var all = QueryBuilder.Subset(1000, 1000, 5, 2);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), all.Order());
        Assert.Equal(all[..37], QueryBuilder.Subset(1000, 37, 5, 2));
        Assert.NotEqual(all[..37], QueryBuilder.Subset(1000, 37, 5, 3));
        Assert.NotEqual(all[..37], QueryBuilder.Subset(1000, 37, 6, 2));
    }

    [Fact]
    public void Defaults_DependOnTheSource()
    {
        var file = ExperimentSpec.Parse("""{ "bank": { "source": "idx", "path": "x" }, "grid": { } }""");
        var sphere = ExperimentSpec.Parse("""{ "bank": { "source": "sphere", "dim": 4 }, "grid": { } }""");
        Assert.Equal(5, QueryBuilder.Repeats(file));
        Assert.Equal(1, QueryBuilder.Repeats(sphere));
        Assert.Equal(4096, QueryBuilder.Queries(file, 4096));
        Assert.Equal(100, QueryBuilder.Queries(sphere, 4096));
        Assert.Equal(32, QueryBuilder.Queries(file with { Queries = 32 }, 4096));
        Assert.Equal(16, QueryBuilder.Queries(file with { Queries = 32 }, 16));
    }
}
