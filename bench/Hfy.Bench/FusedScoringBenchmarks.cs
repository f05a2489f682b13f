using BenchmarkDotNet.Attributes;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Bench;

/// <summary>
/// The fused batched scorer (<see cref="FusedScorer"/>) on 262,144 × 64 rows with 64 queries, per store kind, next to
/// the unfused <see cref="Scorer.ScoreBatch"/> that writes the 64 × N score matrix. GFLOP/s = 2·N·D·64 / time. The
/// full-size figures against the measured FMA peak come from <c>hfy bench massive</c>.
/// </summary>
[MemoryDiagnoser]
public class FusedScoringBenchmarks
{
    private const int Batch = 64;
    private Bank _bank = null!;
    private HalfStore _half = null!;
    private BitPackedStore _bits = null!;
    private ProceduralStore _procedural = null!;
    private float[] _queries = [];
    private float[] _scores = [];
    private FusedScoreRequest _maxOnly = null!;
    private FusedScoreRequest _step = null!;

    /// <summary>Bank rows N.</summary>
    [Params(262_144)]
    public int Rows { get; set; }

    /// <summary>Dimension D.</summary>
    [Params(32, 64)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _procedural = new ProceduralStore(ProceduralEnsemble.Sphere, 1, Rows, Dim);
        var data = new float[Rows * Dim];
        _procedural.DecodeRows(0, Rows, data);
        _bank = new Bank(data, Rows, Dim);
        _half = HalfStore.From(_bank);
        _bits = BitPackedStore.From(_bank);
        _queries = new float[Batch * Dim];
        new ProceduralStore(ProceduralEnsemble.Sphere, 3, Batch, Dim).DecodeRows(0, Batch, _queries);
        _scores = new float[Batch * Rows];
        _maxOnly = FusedScoreRequest.ForAll(1.0, Batch, new QueryReduction());
        _step = FusedScoreRequest.ForAll(10.0, Batch, new QueryReduction(Softmax: true, Margin: 1.0), softmaxTolerance: 1e-12);
    }

    [Benchmark(Baseline = true)]
    public void UnfusedScoreBatch() => Scorer.ScoreBatch(_bank.Data, Dim, _queries, Batch, 1.0, _scores);

    [Benchmark]
    public object FusedMaxFloat32() => FusedScorer.Run(_bank, _queries, Batch, _maxOnly);

    [Benchmark]
    public object FusedSoftmaxAndCandidatesFloat32() => FusedScorer.Run(_bank, _queries, Batch, _step);

    [Benchmark]
    public object FusedMaxHalf() => FusedScorer.Run(_half, _queries, Batch, _maxOnly);

    [Benchmark]
    public object FusedMaxBitPacked() => FusedScorer.Run(_bits, _queries, Batch, _maxOnly);

    [Benchmark]
    public object FusedMaxProcedural() => FusedScorer.Run(_procedural, _queries, Batch, _maxOnly);
}
