using BenchmarkDotNet.Attributes;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Bench;

/// <summary>
/// Scoring θ = βXq on a 262,144 × 64 float32 bank (64 MiB, larger than the caches): one query (memory-bound) and a
/// batch of 64 (compute-bound; GFLOP/s = 2·N·D·64 / time). The full-size figures come from <c>hfy bench kernels</c>.
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private float[] _rows = [];
    private float[] _query = [];
    private float[] _queries = [];
    private float[] _scores = [];
    private float[] _batchScores = [];

    /// <summary>Bank rows N.</summary>
    [Params(262_144)]
    public int Rows { get; set; }

    /// <summary>Dimension D.</summary>
    [Params(64)]
    public int Dim { get; set; }

    /// <summary>Queries in the batched run.</summary>
    public const int Batch = 64;

    [GlobalSetup]
    public void Setup()
    {
        _rows = new float[Rows * Dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 1, Dim, 0, _rows);
        _query = new float[Dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 2, Dim, 0, _query);
        _queries = new float[Batch * Dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 3, Dim, 0, _queries);
        _scores = new float[Rows];
        _batchScores = new float[Batch * Rows];
    }

    [Benchmark(Baseline = true)]
    public void ScoreOneQuery() => Scorer.Score(_rows, Dim, _query, 1.0, _scores);

    [Benchmark]
    public void ScoreBatchOf64() => Scorer.ScoreBatch(_rows, Dim, _queries, Batch, 1.0, _batchScores);
}
