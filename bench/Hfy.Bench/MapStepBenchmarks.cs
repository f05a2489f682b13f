using BenchmarkDotNet.Attributes;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Bench;

/// <summary>
/// What a retrieval step costs after scoring: candidate search above the map's support bound, the exact solver on
/// the candidates, and the sparse readout Xᵀp — on the scores of a 262,144 × 64 sphere bank at β = 10.
/// Compare with <see cref="ScoringBenchmarks.ScoreOneQuery"/>: the target is ≤ 10% of it.
/// </summary>
[MemoryDiagnoser]
public class MapStepBenchmarks
{
    private const int Dim = 64;
    private float[] _rows = [];
    private float[] _scores = [];
    private readonly double[] _z = new double[Dim];
    private IMap _map = MapFactory.Create(MapSpec.Sparsemax);
    private readonly MapWorkspace _workspace = new();

    /// <summary>Map label.</summary>
    [Params("entmax-1.5", "sparsemax", "normmax-2", "ksubsets-4")]
    public string Map { get; set; } = "sparsemax";

    [GlobalSetup]
    public void Setup()
    {
        const int rows = 262_144;
        _rows = new float[rows * Dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 1, Dim, 0, _rows);
        var q = new float[Dim];
        BankGenerator.Fill(BankSourceKind.Sphere, 2, Dim, 0, q);
        _scores = new float[rows];
        Scorer.Score(_rows, Dim, q, 10.0, _scores);
        _map = MapFactory.Create(Map switch
        {
            "entmax-1.5" => MapSpec.Entmax(1.5),
            "normmax-2" => MapSpec.Normmax(2),
            "ksubsets-4" => MapSpec.KSubsets(4),
            _ => MapSpec.Sparsemax,
        });
    }

    [Benchmark]
    public int ThresholdSearchAndReadout()
    {
        var p = MapStep.Apply(_map, _scores, _workspace);
        Array.Clear(_z);
        Readout.Accumulate(_rows, Dim, p.Ids, p.Weights, _z);
        return p.Ids.Length;
    }
}
