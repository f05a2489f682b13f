using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>
/// The streaming source over pattern stores (fused passes, never the B × N scores) against the local source over the
/// same rows (the unfused float32 path): p, support, q and energy after T steps, for every map and post-transform,
/// with tied rows and β from 0.01 to 100; and with caps small enough that probes, threshold readouts, support counts
/// and gathers all run as extra passes.
/// </summary>
public class StoreScoreSourceTests
{
    private const int Rows = 240, Dim = 10, Batch = 6, Steps = 3;

    public static TheoryData<string, double, PostTransform> Cases()
    {
        var data = new TheoryData<string, double, PostTransform>();
        foreach (var name in new[] { "softmax", "sparsemax", "entmax-1.5", "normmax-2", "ksubsets-3", "seq-ksubsets-2" })
        {
            foreach (var beta in new[] { 0.01, 1.0, 100.0 })
            {
                data.Add(name, beta, PostTransform.Identity);
            }

            data.Add(name, 4.0, PostTransform.L2);
            data.Add(name, 2.0, PostTransform.LayerNorm);
        }

        return data;
    }

    /// <summary>Gaussian rows with ties: rows 1–3 repeat row 0 and rows 11–12 repeat row 10.</summary>
    private static Bank TiedBank()
    {
        var data = new float[Rows * Dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 5, Dim, 0, data);
        foreach (var (copy, of) in new[] { (1, 0), (2, 0), (3, 0), (11, 10), (12, 10) })
        {
            data.AsSpan(of * Dim, Dim).CopyTo(data.AsSpan(copy * Dim, Dim));
        }

        return new Bank(data, Rows, Dim);
    }

    private static float[] Queries(Bank bank)
    {
        var q = new float[Batch * Dim];
        for (var b = 0; b < Batch; b++)
        {
            var row = bank.Row(b * 10);
            for (var k = 0; k < Dim; k++) q[b * Dim + k] = row[k] + (float)(0.2 * Math.Cos((b + 2) * (k + 1)));
        }

        return q;
    }

    /// <summary>The same rows as a store that is not a <see cref="Bank"/>, so <see cref="HfyDynamics.RunBatch(IPatternStore, ReadOnlySpan{float}, int, RetrievalOptions, StoreSourceSettings?, out long)"/> streams it.</summary>
    private static ResidentStore AsStore(Bank bank)
    {
        var store = new ResidentStore(bank.Rows, bank.Dim);
        bank.Data.CopyTo(store.RowSpan(0, bank.Rows));
        return store;
    }

    private static double[] Dense(RetrievalResult r)
    {
        var p = new double[Rows];
        for (var t = 0; t < r.Ids.Length; t++) p[r.Ids[t]] = r.Weights[t];
        return p;
    }

    private static void AssertSame(RetrievalResult want, RetrievalResult got, double tol, string what)
    {
        Assert.Equal(want.Steps, got.Steps);
        Assert.Equal(want.Retrieved, got.Retrieved);
        Assert.Equal(want.SupportSize, got.SupportSize);
        for (var k = 0; k < want.Q.Length; k++) Assert.True(Math.Abs(want.Q[k] - got.Q[k]) <= tol, $"{what} q[{k}]: {got.Q[k]:R} vs {want.Q[k]:R}");
        var (pw, pg) = (Dense(want), Dense(got));
        for (var i = 0; i < Rows; i++) Assert.True(Math.Abs(pw[i] - pg[i]) <= tol, $"{what} p[{i}]: {pg[i]:R} vs {pw[i]:R}");
        Assert.Equal(want.Energy.Length, got.Energy.Length);
        for (var t = 0; t < want.Energy.Length; t++)
            Assert.True(Math.Abs(want.Energy[t] - got.Energy[t]) <= tol * Math.Max(1, Math.Abs(want.Energy[t])), $"{what} E[{t}]: {got.Energy[t]:R} vs {want.Energy[t]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streamed_EqualsUnfused_ForEveryMapAndPost(string name, double beta, PostTransform post)
    {
        var bank = TiedBank();
        var o = new RetrievalOptions(TestMaps.Parse(name), beta, Steps, Post: post);
        var q = Queries(bank);
        var want = HfyDynamics.RunBatch(bank, q, Batch, o);
        var got = HfyDynamics.RunBatch(AsStore(bank), q, Batch, o, null, out var passes);
        for (var b = 0; b < Batch; b++) AssertSame(want[b], got[b], 1e-9, $"{name} β={beta} {post} query {b}");
        // One score pass per step at least (the final evaluation's too, unless every query ends at a fixed point).
        Assert.True(passes >= Steps, $"one score pass per step at least (got {passes})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streamed_WithCutLists_ReachesTheSameAnswer_ThroughExtraPasses(string name, double beta, PostTransform post)
    {
        var bank = TiedBank();
        var o = new RetrievalOptions(TestMaps.Parse(name), beta, Steps, Post: post);
        var q = Queries(bank);
        var want = HfyDynamics.RunBatch(bank, q, Batch, o);
        // Caps of 3 candidates and 3 pairs: dense supports need the truncated solve, probes, threshold readouts, counts or gathers.
        var settings = new StoreSourceSettings { CandidateCap = 3, PairCap = 3 };
        var got = HfyDynamics.RunBatch(AsStore(bank), q, Batch, o, settings, out var passes);
        for (var b = 0; b < Batch; b++)
        {
            Assert.Equal(want[b].SupportSize, got[b].SupportSize);
            Assert.Equal(want[b].Retrieved, got[b].Retrieved);
            for (var k = 0; k < Dim; k++) Assert.True(Math.Abs(want[b].Q[k] - got[b].Q[k]) <= 1e-4, $"{name} β={beta} q[{k}]: {got[b].Q[k]:R} vs {want[b].Q[k]:R}");
            // At most 3 pairs listed: the largest weights of the full answer.
            var largest = want[b].Ids.Zip(want[b].Weights).OrderByDescending(x => x.Second).Take(got[b].Ids.Length).Select(x => x.Second).Order().ToArray();
            var listed = got[b].Weights.Order().ToArray();
            for (var t = 0; t < listed.Length; t++) Assert.True(Math.Abs(largest[t] - listed[t]) <= 1e-4, $"{name} listed weight {t}: {listed[t]:R} vs {largest[t]:R}");
        }

        // Softmax needs no extra pass for its support count when every row weighs > 0 (the pass's smallest score says so).
        var dense = want.Max(r => r.SupportSize) > 3;
        if (dense && name != "softmax") Assert.True(passes > Steps + 1, $"{name} β={beta}: cut lists take extra passes (got {passes})");
        if (name == "softmax" && want.All(r => r.SupportSize == Rows)) Assert.True(passes <= Steps + 2, $"softmax β={beta}: at most the retrieved-row scan is extra (got {passes})");
    }

    [Theory]
    [InlineData(BankSourceKind.Sphere, RowNormalization.None)]
    [InlineData(BankSourceKind.Gaussian, RowNormalization.L2)]
    [InlineData(BankSourceKind.Binary, RowNormalization.LayerNorm)]
    public void ProceduralBank_RetrievesExactlyAsItsMaterializedCopy(BankSourceKind source, RowNormalization normalization)
    {
        var spec = new BankSpec("p", 500, 16, source, 7, Normalization: normalization);
        var procedural = BankSources.OpenStore(spec with { Storage = BankStorage.Procedural });
        Assert.IsNotType<Bank>(procedural);
        var materialized = BankSources.Load(spec);
        var rows = new float[spec.Rows * spec.Dim];
        procedural.DecodeRows(0, (int)spec.Rows, rows);
        Assert.Equal(materialized.Data, rows);

        var q = new float[4 * spec.Dim];
        for (var b = 0; b < 4; b++) materialized.Row(b * 100 + 3).CopyTo(q.AsSpan(b * spec.Dim, spec.Dim));
        var o = new RetrievalOptions(MapSpec.Sparsemax, 30, 3);
        var want = HfyDynamics.RunBatch(AsStore(materialized), q, 4, o, null, out _);
        var got = HfyDynamics.RunBatch(procedural, q, 4, o, null, out _);
        for (var b = 0; b < 4; b++)
        {
            Assert.Equal(want[b].Q, got[b].Q);
            Assert.Equal(want[b].Ids, got[b].Ids);
            Assert.Equal(want[b].Weights, got[b].Weights);
            Assert.Equal(b * 100 + 3, got[b].Retrieved);
        }
    }

    /// <summary>Every storage kind, streamed (fused passes over several tiles and chunks), against the unfused path over its decoded rows.</summary>
    [Theory]
    [InlineData(BankStorage.Resident, "softmax")]
    [InlineData(BankStorage.Half, "softmax")]
    [InlineData(BankStorage.Bits, "softmax")]
    [InlineData(BankStorage.Mapped, "softmax")]
    [InlineData(BankStorage.Procedural, "softmax")]
    [InlineData(BankStorage.Half, "sparsemax")]
    [InlineData(BankStorage.Mapped, "entmax-1.5")]
    [InlineData(BankStorage.Procedural, "normmax-2")]
    public void EveryStorageKind_Streamed_EqualsUnfusedOnItsDecodedRows(BankStorage storage, string map)
    {
        const int rows = 2000, dim = 24, batch = 5;
        var source = storage == BankStorage.Bits ? BankSourceKind.Binary : BankSourceKind.Gaussian;
        var spec = new BankSpec("k", rows, dim, source, 11, Normalization: storage == BankStorage.Bits ? RowNormalization.None : RowNormalization.L2);
        var path = Path.Combine(Path.GetTempPath(), $"hfy-kinds-{Guid.NewGuid():N}.npy");
        IPatternStore store;
        if (storage == BankStorage.Mapped)
        {
            NpyWriter.Write(path, BankSources.Load(spec).Data, rows, dim);
            store = new MappedNpyStore(path);
        }
        else
        {
            // A resident bank opens as a Bank (the unfused path); the same rows as a ResidentStore stream.
            store = storage == BankStorage.Resident ? AsStore(BankSources.Load(spec)) : BankSources.OpenStore(spec with { Storage = storage });
        }

        try
        {
            Assert.IsNotType<Bank>(store);
            var decoded = new float[rows * dim];
            store.DecodeRows(0, rows, decoded);
            var bank = new Bank(decoded, rows, dim);
            var q = new float[batch * dim];
            for (var b = 0; b < batch; b++)
            {
                var row = bank.Row((b * 397) + 5);
                for (var k = 0; k < dim; k++) q[(b * dim) + k] = row[k] + (float)(0.3 * Math.Sin((b + 1) * (k + 3)));
            }

            foreach (var beta in new[] { 0.05, 3.0, 60.0 })
            {
                var o = new RetrievalOptions(TestMaps.Parse(map), source == BankSourceKind.Binary ? beta / dim : beta, Steps);
                var want = HfyDynamics.RunBatch(bank, q, batch, o);
                var got = HfyDynamics.RunBatch(store, q, batch, o, null, out _);
                for (var b = 0; b < batch; b++)
                {
                    Assert.Equal(want[b].Steps, got[b].Steps);
                    Assert.Equal(want[b].Retrieved, got[b].Retrieved);
                    Assert.Equal(want[b].SupportSize, got[b].SupportSize);
                    var scale = want[b].Q.Max(Math.Abs);
                    for (var k = 0; k < dim; k++)
                        Assert.True(Math.Abs(want[b].Q[k] - got[b].Q[k]) <= 1e-9 * scale, $"{storage} {map} β={beta} q[{k}]: {got[b].Q[k]:R} vs {want[b].Q[k]:R}");
                    var (pw, pg) = (DenseOf(want[b], rows), DenseOf(got[b], rows));
                    for (var i = 0; i < rows; i++)
                        Assert.True(Math.Abs(pw[i] - pg[i]) <= 1e-9 * Math.Max(pw[i], 1e-300) + 1e-300, $"{storage} {map} β={beta} p[{i}]: {pg[i]:R} vs {pw[i]:R}");
                }
            }
        }
        finally
        {
            (store as IDisposable)?.Dispose();
            File.Delete(path);
        }
    }

    [Fact]
    public void HalfAndBitPackedBanks_AgreeWithFloat32()
    {
        var half = new BankSpec("h", 400, 24, BankSourceKind.Gaussian, 3, Normalization: RowNormalization.L2);
        var float32 = BankSources.Load(half);
        var q = new float[3 * 24];
        for (var b = 0; b < 3; b++) float32.Row(b * 50).CopyTo(q.AsSpan(b * 24, 24));
        foreach (var map in new[] { MapSpec.Sparsemax, MapSpec.Softmax, MapSpec.Entmax(1.5) })
        {
            var o = new RetrievalOptions(map, 8, 3);
            var want = HfyDynamics.RunBatch(float32, q, 3, o);
            var got = HfyDynamics.RunBatch(BankSources.OpenStore(half with { Storage = BankStorage.Half }), q, 3, o, null, out _);
            for (var b = 0; b < 3; b++)
            {
                for (var k = 0; k < 24; k++) Assert.True(Math.Abs(want[b].Q[k] - got[b].Q[k]) <= 1e-3, $"{map.Label} q[{k}]");
                var (pw, pg) = (DenseOf(want[b], 400), DenseOf(got[b], 400));
                for (var i = 0; i < 400; i++) Assert.True(Math.Abs(pw[i] - pg[i]) <= 1e-3, $"{map.Label} p[{i}]: {pg[i]} vs {pw[i]}");
            }
        }

        // ±1 rows: bit-packed scores are exact integers, so every result equals the float32 one exactly.
        var bits = new BankSpec("b", 300, 70, BankSourceKind.Binary, 4);
        var dense = BankSources.Load(bits);
        var qb = new float[2 * 70];
        for (var b = 0; b < 2; b++) dense.Row(b * 7).CopyTo(qb.AsSpan(b * 70, 70));
        var ob = new RetrievalOptions(MapSpec.Sparsemax, 0.05, 2);
        var wantB = HfyDynamics.RunBatch(AsStore(dense), qb, 2, ob, null, out _);
        var gotB = HfyDynamics.RunBatch(BankSources.OpenStore(bits with { Storage = BankStorage.Bits }), qb, 2, ob, null, out _);
        for (var b = 0; b < 2; b++)
        {
            Assert.Equal(wantB[b].Q, gotB[b].Q);
            Assert.Equal(wantB[b].Ids, gotB[b].Ids);
            Assert.Equal(wantB[b].Weights, gotB[b].Weights);
        }
    }

    [Fact]
    public void StorageKinds_ThatDoNotApply_AreRefusedNamingTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => BankSources.OpenStore(new BankSpec("g", 10, 4, BankSourceKind.Gaussian, 1, Storage: BankStorage.Bits)));
        Assert.StartsWith("storage: bits needs a binary", e.Message, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"hfy-store-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "1,2\n3,4\n");
        try
        {
            var p = Assert.Throws<ArgumentException>(() => BankSources.OpenStore(new BankSpec("c", 2, 2, BankSourceKind.Csv, Path: path, Storage: BankStorage.Procedural)));
            Assert.StartsWith("storage: procedural needs a generated source", p.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task PartitionRange_AnswersWithGlobalIds_AndMatchesTheWholeBank()
    {
        var spec = new BankSpec("r", 600, 8, BankSourceKind.Sphere, 9, Storage: BankStorage.Procedural);
        var whole = BankSources.OpenStore(spec);
        var part = BankSources.OpenStore(spec, 200, 300);
        var rows = new float[300 * 8];
        part.DecodeRows(0, 300, rows);
        var want = new float[300 * 8];
        whole.DecodeRows(200, 300, want);
        Assert.Equal(want, rows);

        var o = new RetrievalOptions(MapSpec.Sparsemax, 40, 0);
        var map = MapFactory.Create(o.Map);
        var driver = new RetrievalDriver(o, map, 300, 8);
        var source = new StoreScoreSource(part, o, driver.Rule, new StoreSourceSettings { FirstRow = 200 });
        var q0 = new double[8];
        for (var k = 0; k < 8; k++) q0[k] = rows[(50 * 8) + k];
        var r = (await driver.RunAsync(source, [q0]))[0];
        Assert.Equal(250, r.Retrieved);
        Assert.Contains(250L, r.Ids);
    }

    private static double[] DenseOf(RetrievalResult r, int rows)
    {
        var p = new double[rows];
        for (var t = 0; t < r.Ids.Length; t++) p[r.Ids[t]] = r.Weights[t];
        return p;
    }
}
