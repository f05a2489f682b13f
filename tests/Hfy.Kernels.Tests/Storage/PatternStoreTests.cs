using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Storage;

public class PatternStoreTests
{
    private static float[] Rows(IPatternStore store)
    {
        var rows = new float[store.Rows * store.Dim];
        store.DecodeRows(0, (int)store.Rows, rows);
        return rows;
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static TheoryData<ProceduralEnsemble, int> Ensembles()
    {
        var data = new TheoryData<ProceduralEnsemble, int>();
        foreach (var e in Enum.GetValues<ProceduralEnsemble>())
        {
            foreach (var d in new[] { 1, 7, 32, 65 }) data.Add(e, d);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Ensembles))]
    public void Procedural_RowsReadAloneInPanelsOrMaterialized_AreBitIdentical(ProceduralEnsemble ensemble, int dim)
    {
        var store = new ProceduralStore(ensemble, 99, 203, dim);
        var whole = Rows(store);

        // Any row range, one row at a time, and panels of 16 / 32 lanes starting anywhere.
        var tail = new float[50 * dim];
        store.DecodeRows(131, 50, tail);
        Assert.Equal(Bits(whole.AsSpan(131 * dim, 50 * dim).ToArray()), Bits(tail));
        var one = new float[dim];
        foreach (var i in new[] { 0, 5, 8, 202 })
        {
            store.ReadRow(i, one);
            Assert.Equal(Bits(whole.AsSpan(i * dim, dim).ToArray()), Bits(one));
        }
        foreach (var (first, count) in new[] { (0, 32), (3, 29), (190, 13), (77, 1) })
        {
            var tile = ((IPatternStore)store).Tile(first, count, new float[count * dim]).ToArray();
            Assert.Equal(Bits(whole.AsSpan(first * dim, count * dim).ToArray()), Bits(tile));
        }

        // The materialized copy, in memory and written to .npy and mapped back.
        using var resident = PatternStores.Materialize(store);
        Assert.Equal(Bits(whole), Bits(Rows(resident)));
        using var dir = new TempDir();
        PatternStores.WriteNpy(store, dir.File("bank.npy"), 0, store.Rows);
        using var mapped = new MappedNpyStore(dir.File("bank.npy"));
        Assert.Equal(Bits(whole), Bits(Rows(mapped)));
        Assert.Equal(Bits(NpyReader.ReadRows(dir.File("bank.npy"), 0, 203)), Bits(whole));
    }

    [Theory]
    [InlineData(ProceduralEnsemble.Sphere, 33, 1.0)]
    [InlineData(ProceduralEnsemble.SphereSqrtD, 33, 5.744562646538029)]
    [InlineData(ProceduralEnsemble.Sphere, 2, 1.0)]
    public void Procedural_SphereRows_HaveTheRequestedRadius(ProceduralEnsemble ensemble, int dim, double radius)
    {
        var rows = Rows(new ProceduralStore(ensemble, 7, 500, dim));
        for (var i = 0; i < 500; i++)
        {
            var ss = 0.0;
            for (var k = 0; k < dim; k++) ss += (double)rows[i * dim + k] * rows[i * dim + k];
            Assert.Equal(radius, Math.Sqrt(ss), 1e-5 * radius);
        }
    }

    [Fact]
    public void Procedural_Gaussian_HasStandardNormalMoments()
    {
        var v = Rows(new ProceduralStore(ProceduralEnsemble.Gaussian, 11, 4000, 50));
        var mean = v.Average(x => (double)x);
        var variance = v.Average(x => ((double)x - mean) * ((double)x - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        Assert.InRange(v.Count(x => Math.Abs(x) > 2) / (double)v.Length, 0.043, 0.048);
        // Neighbouring rows and columns are uncorrelated.
        double lagRow = 0, lagCol = 0;
        for (var i = 0; i + 1 < 4000; i++)
        {
            for (var k = 0; k + 1 < 50; k++)
            {
                lagRow += (double)v[i * 50 + k] * v[(i + 1) * 50 + k];
                lagCol += (double)v[i * 50 + k] * v[i * 50 + k + 1];
            }
        }
        Assert.InRange(lagRow / (3999 * 49), -0.01, 0.01);
        Assert.InRange(lagCol / (3999 * 49), -0.01, 0.01);
    }

    [Fact]
    public void Procedural_Binary_IsBalancedPlusMinusOne()
    {
        var v = Rows(new ProceduralStore(ProceduralEnsemble.Binary, 3, 1000, 100));
        Assert.All(v, x => Assert.True(x is 1f or -1f));
        Assert.InRange(v.Average(x => (double)x), -0.01, 0.01);
    }

    [Theory]
    [InlineData(ProceduralEnsemble.Gaussian, BankSourceKind.Gaussian)]
    [InlineData(ProceduralEnsemble.Sphere, BankSourceKind.Sphere)]
    [InlineData(ProceduralEnsemble.Binary, BankSourceKind.Binary)]
    public void Procedural_LegacyGenerator_KeepsTheRowsOfGeneratedBanks(ProceduralEnsemble ensemble, BankSourceKind kind)
    {
        var expected = new float[300 * 9];
        BankGenerator.Fill(kind, 5, 9, 0, expected);
        var store = new ProceduralStore(ensemble, 5, 300, 9, ProceduralGenerator.Legacy);
        Assert.Equal(Bits(expected), Bits(Rows(store)));
        var tile = ((IPatternStore)store).Tile(290, 10, new float[90]).ToArray();
        Assert.Equal(Bits(expected.AsSpan(290 * 9, 90).ToArray()), Bits(tile));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MappedNpy_EqualsResidentBank(bool float64)
    {
        const int n = 300, dim = 17;
        var data = new float[n * dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 4, dim, 0, data);
        using var dir = new TempDir();
        var path = dir.File("x.npy");
        if (float64) NpyWriter.Write(path, data.Select(v => (double)v).ToArray(), n, dim);
        else NpyWriter.Write(path, data, n, dim);
        using var mapped = new MappedNpyStore(path);
        var bank = new Bank(data, n, dim);
        Assert.Equal(PatternStoreKind.MappedNpy, mapped.Kind);
        Assert.Equal(n, mapped.Rows);
        Assert.Equal(Bits(data), Bits(Rows(mapped)));
        var a = mapped.Tile(280, 20, new float[20 * dim]).ToArray();
        var b = ((IPatternStore)bank).Tile(280, 20, new float[20 * dim]).ToArray();
        Assert.Equal(Bits(b), Bits(a));
    }

    [Fact]
    public void MappedNpy_OfTruncatedFile_IsRefusedNamingTheFile()
    {
        using var dir = new TempDir();
        var path = dir.File("short.npy");
        NpyWriter.Write(path, new float[40], 10, 4);
        using (var f = File.OpenWrite(path)) f.SetLength(f.Length - 8);
        var ex = Assert.Throws<InvalidDataException>(() => new MappedNpyStore(path));
        Assert.Contains("short.npy", ex.Message);
    }

    [Fact]
    public void ResidentStore_HoldsWhatIsWritten()
    {
        var source = new ProceduralStore(ProceduralEnsemble.Gaussian, 1, 100, 12);
        using var resident = PatternStores.Materialize(source);
        Assert.Equal(100L * 12 * 4, resident.ResidentBytes);
        var row = new float[12];
        resident.ReadRow(42, row);
        var expected = new float[12];
        source.ReadRow(42, expected);
        Assert.Equal(expected, row);
        Assert.Throws<ArgumentOutOfRangeException>(() => resident.ReadRow(100, row));
    }

    [Fact]
    public void HalfStore_ScoresWithin1e3OfFloat32()
    {
        const int n = 1000, dim = 64, batch = 5;
        var source = new ProceduralStore(ProceduralEnsemble.Sphere, 8, n, dim);
        var bank = new Bank(Rows(source), n, dim);
        var half = HalfStore.From(bank);
        Assert.Equal(n * dim * 2L, half.ResidentBytes);
        var queries = Rows(new ProceduralStore(ProceduralEnsemble.Sphere, 9, batch, dim));
        var exact = new float[batch * n];
        var approx = new float[batch * n];
        FusedScorer.ScoreTile(bank, 0, n, queries, batch, 1.0, exact);
        FusedScorer.ScoreTile(half, 0, n, queries, batch, 1.0, approx);
        var worst = exact.Zip(approx, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-3, $"worst |Δθ| = {worst}");
        Assert.True(worst > 0, "half rounding must show");
    }

    [Fact]
    public void BitPacked_ScoresEqualFloatScoresExactly()
    {
        const int n = 777, dim = 100, batch = 7;
        var bank = new Bank(Rows(new ProceduralStore(ProceduralEnsemble.Binary, 2, n, dim)), n, dim);
        var packed = BitPackedStore.From(bank);
        Assert.Equal(n * 2L * 8, packed.ResidentBytes);
        Assert.Equal(Bits(bank.Data), Bits(Rows(packed)));
        var queries = Rows(new ProceduralStore(ProceduralEnsemble.Gaussian, 3, batch, dim));
        var a = new float[batch * n];
        var b = new float[batch * n];
        FusedScorer.ScoreTile(bank, 0, n, queries, batch, 0.3, a);
        FusedScorer.ScoreTile(packed, 0, n, queries, batch, 0.3, b);
        Assert.Equal(Bits(a), Bits(b));

        // ±1 queries: XOR + popcount gives the exact integer dot products.
        var signs = Rows(new ProceduralStore(ProceduralEnsemble.Binary, 4, 1, dim));
        var words = new ulong[packed.WordsPerRow];
        BitPackedStore.Pack(signs, words);
        var dots = new int[n];
        packed.SignDots(words, 0, n, dots);
        for (var i = 0; i < n; i++)
        {
            var expected = 0;
            for (var k = 0; k < dim; k++) expected += (int)(bank.Data[i * dim + k] * signs[k]);
            Assert.Equal(expected, dots[i]);
        }
    }

    [Fact]
    public void SparseReadout_OfEveryStoreKind_EqualsTheResidentReadout()
    {
        const int n = 3000, dim = 24;
        var procedural = new ProceduralStore(ProceduralEnsemble.Binary, 6, n, dim);
        var bank = new Bank(Rows(procedural), n, dim);
        using var dir = new TempDir();
        PatternStores.WriteNpy(procedural, dir.File("b.npy"), 0, n);
        using var mapped = new MappedNpyStore(dir.File("b.npy"));
        var ids = Enumerable.Range(0, 2500).Select(i => (long)((i * 7919) % n)).ToArray();
        var weights = ids.Select(i => 1.0 / (1 + i)).ToArray();
        var expected = new double[dim];
        Readout.Accumulate(bank.Data, dim, ids.Select(i => (int)i).ToArray(), weights, expected);
        foreach (IPatternStore store in new IPatternStore[] { bank, procedural, mapped, HalfStore.From(bank), BitPackedStore.From(bank) })
        {
            var z = new double[dim];
            Readout.Accumulate(store, ids, weights, z);
            for (var k = 0; k < dim; k++) Assert.Equal(expected[k], z[k], 1e-12);
        }
    }

    [Fact]
    public void OpenStore_OfGeneratedAndNpyBanks_GivesTheRowsOfReadRows()
    {
        var gen = new BankSpec("g", 300, 11, BankSourceKind.Sphere, Seed: 9);
        Assert.IsType<Bank>(BankSources.OpenStore(gen)); // auto: resident when the bank fits one array
        var store = BankSources.OpenStore(gen with { Storage = BankStorage.Procedural });
        Assert.Equal(PatternStoreKind.Procedural, store.Kind);
        Assert.Equal(Bits(BankSources.ReadRows(gen, 0, 300)), Bits(Rows(store)));

        using var dir = new TempDir();
        var data = BankSources.ReadRows(gen, 0, 300);
        NpyWriter.Write(dir.File("b.npy"), data, 300, 11);
        var npy = new BankSpec("n", 300, 11, BankSourceKind.Npy, Path: dir.File("b.npy"));
        var mapped = BankSources.OpenStore(npy with { Storage = BankStorage.Mapped });
        Assert.Equal(PatternStoreKind.MappedNpy, mapped.Kind);
        Assert.Equal(Bits(data), Bits(Rows(mapped)));
        ((IDisposable)mapped).Dispose();
    }

    /// <summary>
    /// The vector generator's rows are pinned (FNV-1a over the float bits of 2,000 × 33 rows, seed 5): the same on
    /// AVX-512, AVX2 and scalar hosts (checked with DOTNET_EnableAVX512=0 — on .NET 10 DOTNET_EnableAVX512F=0 leaves AVX-512 on —, DOTNET_EnableAVX2=0 and
    /// DOTNET_EnableHWIntrinsic=0); a change here changes every procedural bank.
    /// </summary>
    [Theory]
    [InlineData(ProceduralEnsemble.Gaussian, 0x76F5496F275F4D4CUL)]
    [InlineData(ProceduralEnsemble.Sphere, 0xDCAE1BF9FE593A21UL)]
    [InlineData(ProceduralEnsemble.SphereSqrtD, 0xD78075F9E3D0D461UL)]
    [InlineData(ProceduralEnsemble.Binary, 0x23E0F383902DC143UL)]
    public void Procedural_Rows_ArePinned(ProceduralEnsemble ensemble, ulong expected)
    {
        var rows = Rows(new ProceduralStore(ensemble, 5, 2000, 33));
        var h = 1469598103934665603UL;
        foreach (var v in rows)
        {
            h ^= (uint)BitConverter.SingleToInt32Bits(v);
            h *= 1099511628211UL;
        }
        Assert.Equal(expected, h);
    }
}
