using Hfy.Coordinator.Engine;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Coordinator.Tests.Engine;

/// <summary>An embedded cluster of <paramref name="bankNodes"/> bank nodes started once for a test class and stopped after it.</summary>
public abstract class EmbeddedClusterFixture(int bankNodes, EmbeddedClusterOptions options) : IAsyncLifetime
{
    private EmbeddedCluster? _cluster;

    public EmbeddedCluster Cluster => _cluster ?? throw new InvalidOperationException("cluster not started");

    public async Task InitializeAsync() => _cluster = await EmbeddedCluster.StartAsync(bankNodes, options);

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>One embedded cluster (coordinator + 3 bank nodes, serialization forced on) shared by a test class.</summary>
public sealed class ClusterFixture() : EmbeddedClusterFixture(3, new EmbeddedClusterOptions
{
    SerializeAllMessages = true,
    Engine = new ClusterEngineOptions { Retrieval = new() { RequestTimeout = TimeSpan.FromSeconds(60), MaxSupportPairs = 131_072 } },
});

/// <summary>Banks, queries and comparisons shared by the engine tests.</summary>
internal static class EngineTestData
{
    /// <summary>Queries = stored rows plus Gaussian noise (seeded).</summary>
    public static float[] NoisyQueries(BankSpec spec, long[] rows, double noise, int seed)
    {
        var rng = new Random(seed);
        var q = new float[rows.Length * spec.Dim];
        for (var b = 0; b < rows.Length; b++)
        {
            var row = BankSources.ReadRows(spec with { Normalization = RowNormalization.None }, rows[b], 1);
            for (var j = 0; j < spec.Dim; j++)
            {
                var u1 = 1.0 - rng.NextDouble();
                var u2 = rng.NextDouble();
                var g = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                q[b * spec.Dim + j] = (float)(row[j] + noise * g);
            }
        }

        return q;
    }

    /// <summary>The single-node kernel's answer for every query.</summary>
    public static RetrievalResult[] Reference(Bank bank, float[] queries, int batch, RetrievalOptions options) =>
        Enumerable.Range(0, batch).Select(b => options.Map.Kind == MapKind.SeqKSubsets
            ? HfyDynamics.Run(bank, queries.AsSpan(b * bank.Dim, bank.Dim), options, new SeqKSubsetsMap(options.Map))
            : HfyDynamics.Run(bank, queries.AsSpan(b * bank.Dim, bank.Dim), options)).ToArray();

    /// <summary>Asserts q, support and p agree to <paramref name="rel"/> relative (to each vector's largest entry).</summary>
    public static void AssertSame(RetrievalResult expected, RetrievalResult actual, double rel, string what)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        AssertClose(expected.Q, actual.Q, rel, what + " q");
        Assert.True(expected.Ids.SequenceEqual(actual.Ids),
            $"{what}: support differs: expected {expected.Ids.Length} rows [{string.Join(",", expected.Ids.Take(8))}…], got {actual.Ids.Length} [{string.Join(",", actual.Ids.Take(8))}…]");
        AssertClose(expected.Weights, actual.Weights, rel, what + " p");
        Assert.Equal(expected.Retrieved, actual.Retrieved);

        // The energy trace E(q_0 … q_T): the distributed engine reads it off its float64 readouts and Ω(p).
        Assert.Equal(expected.Energy.Length, actual.Energy.Length);
        AssertClose(expected.Energy, actual.Energy, rel, what + " energy");
    }

    public static void AssertClose(double[] expected, double[] actual, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Length == 0 ? 1 : Math.Max(expected.Max(Math.Abs), 1e-12);
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(expected[i] - actual[i]);
            Assert.True(err <= rel * Math.Max(Math.Abs(expected[i]), scale),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {err:E2})");
        }
    }
}
