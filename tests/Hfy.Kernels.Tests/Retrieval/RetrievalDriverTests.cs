using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>The driver over the local source against brute-force dynamics (every score, the map on all of them, float64).</summary>
public class RetrievalDriverTests
{
    private const int Rows = 300, Dim = 12, Batch = 5;

    public static TheoryData<string, double> Maps() => new()
    {
        { "softmax", 2.0 },
        { "sparsemax", 1.0 },
        { "sparsemax", 0.05 },
        { "entmax-1.5", 1.0 },
        { "normmax-2", 1.0 },
        { "ksubsets-3", 0.5 },
        { "seq-ksubsets-2", 1.0 },
        { "seq-ksubsets-2", 0.02 },
    };

    private static Bank Gaussian()
    {
        var data = new float[Rows * Dim];
        BankGenerator.Fill(BankSourceKind.Gaussian, 21, Dim, 0, data);
        return new Bank(data, Rows, Dim);
    }

    private static double[][] Starts(Bank bank)
    {
        var states = new double[Batch][];
        for (var b = 0; b < Batch; b++)
        {
            states[b] = new double[Dim];
            var row = bank.Row(b * 37);
            for (var k = 0; k < Dim; k++) states[b][k] = row[k] + (0.3 * Math.Sin((b + 1) * (k + 1)));
        }

        return states;
    }

    /// <summary>The dynamics written out: θ = βXq in float64, p = ŷ_Ω(θ) on every row, z = Xᵀp, q ← z; energy per state.</summary>
    private static (double[] Q, double[] P, double[] Energy) Brute(Bank bank, double[] q0, RetrievalOptions o)
    {
        var map = MapFactory.Create(o.Map);
        var q = (double[])q0.Clone();
        var theta = new double[Rows];
        var p = new double[Rows];
        var energy = new List<double>();
        for (var t = 0; ; t++)
        {
            for (var i = 0; i < Rows; i++)
            {
                double s = 0;
                for (var k = 0; k < Dim; k++) s += bank.Data[i * Dim + k] * q[k];
                theta[i] = o.Beta * s;
            }

            map.Forward(theta, p);
            var z = new double[Dim];
            for (var i = 0; i < Rows; i++)
            {
                for (var k = 0; k < Dim; k++) z[k] += p[i] * bank.Data[i * Dim + k];
            }

            energy.Add(HfyDynamics.EnergyFromReadout(o, map.Regularizer(p), q, z));
            if (t == o.Steps) return (q, (double[])p.Clone(), [.. energy]);
            q = z;
        }
    }

    private static double[] Dense(RetrievalResult r)
    {
        var p = new double[Rows];
        for (var t = 0; t < r.Ids.Length; t++) p[r.Ids[t]] = r.Weights[t];
        return p;
    }

    private static void AssertClose(double[] want, double[] got, double tol, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (var i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) <= tol, $"{what}[{i}]: {got[i]:R} vs {want[i]:R}");
    }

    private static RetrievalResult[] Drive(Bank bank, double[][] states, RetrievalOptions o, LocalSourceSettings settings, out CountingSource counted)
    {
        var map = MapFactory.Create(o.Map);
        var driver = new RetrievalDriver(o, map, bank.Rows, bank.Dim);
        counted = new CountingSource(new LocalScoreSource(bank, o, driver.Rule, map, settings));
        return driver.RunAsync(counted, states).AsTask().GetAwaiter().GetResult();
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void Float64Source_EqualsBruteForce_ToRounding(string name, double beta)
    {
        var bank = Gaussian();
        var o = new RetrievalOptions(TestMaps.Parse(name), beta, 3);
        var results = Drive(bank, Starts(bank), o, new LocalSourceSettings { Precision = ScorePrecision.Float64 }, out var counted);
        for (var b = 0; b < Batch; b++)
        {
            var (q, p, energy) = Brute(bank, Starts(bank)[b], o);
            AssertClose(q, results[b].Q, 1e-9, $"{name} q");
            AssertClose(p, Dense(results[b]), 1e-9, $"{name} p");
            AssertClose(energy, results[b].Energy, 1e-9, $"{name} E");
            Assert.Equal(p.Count(v => v > 0), results[b].SupportSize);
            Assert.Equal(3, results[b].Steps);
        }

        // Complete lists: the exact solve decides every step (score and explicit readout rounds only): one score round
        // per step and the final evaluation, which a batch whose every query ends at a fixed point does not need.
        Assert.Equal(0, counted.Probes + counted.Gathers + counted.Counts);
        Assert.InRange(counted.Scores, 3, 4);
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void CutLists_ReachTheSameAnswer_ThroughTruncatedSolveProbesOrGather(string name, double beta)
    {
        var bank = Gaussian();
        var o = new RetrievalOptions(TestMaps.Parse(name), beta, 3);
        // Three candidates per query: dense supports need the truncated solve, probe rounds or a gather.
        var results = Drive(bank, Starts(bank), o, new LocalSourceSettings { CandidateCap = 3 }, out var counted);
        for (var b = 0; b < Batch; b++)
        {
            var (q, p, energy) = Brute(bank, Starts(bank)[b], o);
            AssertClose(q, results[b].Q, 1e-4, $"{name} q");
            AssertClose(p, Dense(results[b]), 1e-4, $"{name} p");
            AssertClose(energy, results[b].Energy, 1e-4 * Math.Max(1, energy.Max(Math.Abs)), $"{name} E");
        }

        var support = Brute(bank, Starts(bank)[0], o).P.Count(v => v > 0);
        if (name.StartsWith("seq", StringComparison.Ordinal) && support > 3) Assert.True(counted.Gathers > 0, "cut lists of sequential k-subsets gather");
        if (name is "sparsemax" or "entmax-1.5" && beta < 0.1) Assert.True(counted.Probes > 0, $"support {support} > 3 candidates: probe rounds");
    }

    [Fact]
    public async Task LostScores_RescoreTheStep_AndGiveTheSameAnswer()
    {
        var bank = Gaussian();
        var o = new RetrievalOptions(MapSpec.Sparsemax, 0.05, 2);
        var clean = Drive(bank, Starts(bank), o, new LocalSourceSettings { CandidateCap = 3 }, out _);

        var map = MapFactory.Create(o.Map);
        var driver = new RetrievalDriver(o, map, bank.Rows, bank.Dim);
        var lossy = new CountingSource(new LocalScoreSource(bank, o, driver.Rule, map, new LocalSourceSettings { CandidateCap = 3 })) { LoseOnProbe = 2 };
        var again = await driver.RunAsync(lossy, Starts(bank));

        Assert.Equal(2, lossy.Lost);
        Assert.True(lossy.Scores > 3, "the steps that lost their scores were scored again");
        for (var b = 0; b < Batch; b++)
        {
            Assert.Equal(clean[b].Q, again[b].Q);
            Assert.Equal(clean[b].Ids, again[b].Ids);
        }
    }

    [Fact]
    public async Task SoftmaxPairs_CappedByMaxSupportPairs_KeepTheLargestAndTheTrueSupportSize()
    {
        var bank = Gaussian();
        var o = new RetrievalOptions(MapSpec.Softmax, 0.5, 1);
        var map = MapFactory.Create(o.Map);
        var driver = new RetrievalDriver(o, map, bank.Rows, bank.Dim, new DriverSettings { MaxSupportPairs = 10 });
        var r = (await driver.RunAsync(new LocalScoreSource(bank, o, driver.Rule, map), Starts(bank)))[0];
        var (_, p, _) = Brute(bank, Starts(bank)[0], o);
        Assert.Equal(Rows, r.SupportSize);
        Assert.Equal(10, r.Ids.Length);
        var largest = Enumerable.Range(0, Rows).OrderByDescending(i => p[i]).Take(10).Select(i => (long)i).Order();
        Assert.Equal(largest, r.Ids);
    }

    [Fact]
    public void RunBatch_EqualsRun_ForEveryQueryOfTheBatch()
    {
        var bank = Gaussian();
        var o = new RetrievalOptions(MapSpec.Entmax(1.5), 0.3, 4);
        var starts = Starts(bank);
        var flat = starts.SelectMany(s => s.Select(v => (float)v)).ToArray();
        var batch = HfyDynamics.RunBatch(bank, flat, Batch, o);
        for (var b = 0; b < Batch; b++)
        {
            var single = HfyDynamics.Run(bank, flat.AsSpan(b * Dim, Dim), o);
            AssertClose(single.Q, batch[b].Q, 1e-4, "q");
            Assert.Equal(single.Ids, batch[b].Ids);
        }
    }

    /// <summary>Counts each round and can lose the scores (as a moved partition does) on chosen probe rounds.</summary>
    private sealed class CountingSource(IScoreSource inner) : IScoreSource
    {
        public int Scores { get; private set; }

        public int Probes { get; private set; }

        public int Readouts { get; private set; }

        public int Counts { get; private set; }

        public int Gathers { get; private set; }

        /// <summary>Lose the scores on this many probe rounds (the first ones).</summary>
        public int LoseOnProbe { get; init; }

        public int Lost { get; private set; }

        public ValueTask<ScoreSummary[][]> ScoreAsync(ScoreRound round)
        {
            Scores++;
            return inner.ScoreAsync(round);
        }

        public ValueTask<MassSummary[][][]> ProbeAsync(double[][] taus)
        {
            Probes++;
            if (Lost < LoseOnProbe)
            {
                Lost++;
                throw new ScoresLostException("test");
            }

            return inner.ProbeAsync(taus);
        }

        public ValueTask<ReadoutPart[][]> ReadoutAsync(ReadoutRound round)
        {
            Readouts++;
            return inner.ReadoutAsync(round);
        }

        public ValueTask<long[][]> CountSupportAsync(double[] shifts, double[] totals)
        {
            Counts++;
            return inner.CountSupportAsync(shifts, totals);
        }

        public ValueTask<IReadOnlyList<GatherPart[]>> GatherAsync(double[] bounds)
        {
            Gathers++;
            return inner.GatherAsync(bounds);
        }
    }
}
