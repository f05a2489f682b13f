using BenchmarkDotNet.Attributes;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Bench;

/// <summary>Five steps of the HFY dynamics on a 100,000 × 64 sphere bank from a noisy stored pattern.</summary>
[MemoryDiagnoser]
public class DynamicsBenchmarks
{
    private Bank _bank = new([0f], 1, 1);
    private float[] _query = [];
    private float[] _queries = [];

    /// <summary>Map label.</summary>
    [Params("softmax", "entmax-1.5", "sparsemax")]
    public string Map { get; set; } = "sparsemax";

    private RetrievalOptions Options => new(Map switch
    {
        "softmax" => MapSpec.Softmax,
        "entmax-1.5" => MapSpec.Entmax(1.5),
        _ => MapSpec.Sparsemax,
    }, 10.0, 5);

    [GlobalSetup]
    public void Setup()
    {
        _bank = BankSources.Load(new BankSpec("bench", 100_000, 64, BankSourceKind.Sphere, Seed: 1));
        _query = _bank.Row(123).ToArray();
        var noise = new float[64];
        BankGenerator.Fill(BankSourceKind.Gaussian, 9, 64, 0, noise);
        for (var k = 0; k < 64; k++) _query[k] += 0.05f * noise[k];
        _queries = new float[16 * 64];
        for (var b = 0; b < 16; b++) _query.CopyTo(_queries, b * 64);
    }

    [Benchmark(Baseline = true)]
    public long? RunOneQuery() => HfyDynamics.Run(_bank, _query, Options).Retrieved;

    [Benchmark]
    public int RunBatchOf16() => HfyDynamics.RunBatch(_bank, _queries, 16, Options).Length;
}
