using Hfy.Kernels.Maps;
using Hfy.Learning.Mil;
using Hfy.Learning.Tensors;

namespace Hfy.Learning.Tests;

internal static class RepoData
{
    public static string MilDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "mil");
                if (Directory.Exists(Path.Combine(candidate, "tiger")))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("data/mil not found above the test binaries");
        }
    }
}

/// <summary>A fact that is skipped, with the reason, where the Fashion-MNIST IDX files are absent.</summary>
public sealed class FashionFactAttribute : FactAttribute
{
    public FashionFactAttribute()
    {
        if (!FashionBagSet.Available(FashionBagSet.DefaultDirectory))
        {
            Skip = $"Fashion-MNIST IDX files not found in {FashionBagSet.DefaultDirectory} (package dataset-fashion-mnist); MNIST itself is not available on this machine";
        }
    }
}

public sealed class MilTests
{
    /// <summary>
    /// Bags of 3–8 Gaussian instances in 6 dimensions; a positive bag holds one instance shifted by +4 on feature 0.
    /// </summary>
    internal static DenseBagSet Synthetic(int bags, int seed)
    {
        var rng = new Random(seed);
        var matrices = new Matrix[bags];
        var labels = new int[bags];
        for (var b = 0; b < bags; b++)
        {
            var n = 3 + rng.Next(6);
            var m = new Matrix(n, 6);
            Init.Normal(m.Span, 1.0, rng);
            labels[b] = b % 2;
            if (labels[b] == 1)
            {
                m[rng.Next(n), 0] += 4.0;
            }

            matrices[b] = m;
        }

        return new DenseBagSet("synthetic", 6, matrices, labels);
    }

    private static MilConfig Small(MapSpec map) =>
        new(map, Lr: 5e-3, LrDecay: 0.98, EmbDims: 8, HiddenSize: 4, Heads: 2, Beta: 1.0, Epochs: 25);

    [Theory]
    [InlineData("softmax")]
    [InlineData("entmax-1.5")]
    [InlineData("sparsemax")]
    [InlineData("normmax-2")]
    [InlineData("ksubsets-2")]
    public void TinyMilProblem_IsLearned_TrainAucReachesOne(string map)
    {
        var data = Synthetic(60, 1);
        var all = Enumerable.Range(0, 60).ToArray();
        var result = MilTrainer.Run(data, all, [], all, Small(AssociationGradientTests.Spec(map)), shuffleSeed: 3);
        Assert.Equal(1.0, result.TrainAuc);
        Assert.True(result.FinalLoss < 0.2, $"final loss {result.FinalLoss}");
    }

    [Fact]
    public void ShuffledLabelControl_StaysNearHalf_WhileTrueLabelsGeneralize()
    {
        var data = Synthetic(240, 2);
        var train = Enumerable.Range(0, 120).ToArray();
        var test = Enumerable.Range(120, 120).ToArray();
        // Random labels with exactly zero in-sample correlation to the truth: half of the true positives and half of the
        // true negatives are labelled 1 (a plain permutation agrees with the truth by chance, which a model then amplifies).
        // A model fitted to such labels is a random classifier: its test AUC, averaged over three relabelings, is near ½.
        var config = Small(MapSpec.Softmax);
        var controls = new List<double>();
        foreach (var seed in new[] { 5, 6, 7 })
        {
            var shuffled = data.Labels.ToArray();
            var rng = new Random(seed);
            foreach (var cls in new[] { 0, 1 })
            {
                var members = train.Where(i => data.Labels[i] == cls).ToArray();
                rng.Shuffle(members);
                for (var j = 0; j < members.Length; j++)
                {
                    shuffled[members[j]] = j < members.Length / 2 ? 1 : 0;
                }
            }

            controls.Add(MilTrainer.Run(data, train, [], test, config, 3, labelsOverride: shuffled).TestAuc);
        }

        var real = MilTrainer.Run(data, train, [], test, config, 3);
        Assert.InRange(controls.Average(), 0.38, 0.62);
        Assert.True(real.TestAuc > 0.8, $"true-label test AUC {real.TestAuc}");
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalResults_OtherSeedDiffers()
    {
        var data = Synthetic(40, 4);
        var idx = Enumerable.Range(0, 40).ToArray();
        var config = Small(MapSpec.Entmax(1.5)) with { Dropout = 0.5, Epochs = 5 };
        var a = MilTrainer.Run(data, idx[..30], [], idx[30..], config, 7);
        var b = MilTrainer.Run(data, idx[..30], [], idx[30..], config, 7);
        var c = MilTrainer.Run(data, idx[..30], [], idx[30..], config, 8);
        Assert.Equal(BitConverter.DoubleToInt64Bits(a.FinalLoss), BitConverter.DoubleToInt64Bits(b.FinalLoss));
        Assert.Equal(a.TestAuc, b.TestAuc);
        Assert.NotEqual(BitConverter.DoubleToInt64Bits(a.FinalLoss), BitConverter.DoubleToInt64Bits(c.FinalLoss));
    }

    [Theory]
    [InlineData(200, 10, 0)]
    [InlineData(200, 10, 3)]
    [InlineData(37, 5, 1)]
    public void Folds_AreStratifiedDisjointAndCover(int n, int folds, int seed)
    {
        var labels = Enumerable.Range(0, n).Select(i => i * 7 % 5 < 2 ? 1 : 0).ToArray();
        for (var f = 0; f < folds; f++)
        {
            var (train, val, test) = StratifiedFolds.Split(labels, folds, f, seed);
            var all = train.Concat(val).Concat(test).ToArray();
            Assert.Equal(n, all.Length);
            Assert.Equal(n, all.Distinct().Count());
            var positives = labels.Count(l => l == 1);
            var foldPositives = test.Count(i => labels[i] == 1);
            Assert.InRange(foldPositives, positives / folds, (positives / folds) + 1);
            Assert.InRange(test.Length, n / folds, (n / folds) + 1);
            Assert.NotEmpty(val);
            Assert.True(Math.Abs((val.Count(i => labels[i] == 1) / (double)val.Length) - (positives / (double)n)) < 0.15);
        }

        var tests = Enumerable.Range(0, folds).SelectMany(f => StratifiedFolds.Split(labels, folds, f, seed).Test).ToArray();
        Assert.Equal(n, tests.Distinct().Count());
    }

    [Fact]
    public void RocAuc_MatchesHandComputedValues_WithTies()
    {
        Assert.Equal(1.0, Metrics.RocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) + 0.25, 12);
        Assert.Equal(0.5, Metrics.RocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 12);
        Assert.Equal(0.625, Metrics.RocAuc([0.2, 0.5, 0.5, 0.9], [0, 1, 0, 0]) + 0.125, 12);
        Assert.True(double.IsNaN(Metrics.RocAuc([0.1, 0.2], [1, 1])));
        Assert.Equal(Math.Sqrt(2.0 / 3.0), Metrics.MeanStd([1.0, 2.0, 3.0]).Std, 12);
    }

    [Theory]
    [InlineData("elephant", 1391, 200, -1550.882809)]
    [InlineData("fox", 1320, 200, -1034.221432)]
    [InlineData("tiger", 1220, 200, 4195.072905)]
    public void Benchmarks_LoadWithTheReadmeCountsAndSums(string name, int instances, int bags, double sum)
    {
        var data = DenseBagSet.LoadBenchmark(RepoData.MilDirectory, name);
        Assert.Equal(bags, data.Count);
        Assert.Equal(230, data.Features);
        Assert.Equal(instances, Enumerable.Range(0, bags).Sum(data.BagSize));
        Assert.Equal(100, data.Labels.Count(l => l == 1));
        Assert.All(Enumerable.Range(0, 100), b => Assert.Equal(1, data.Labels[b]));
        var buffer = new Matrix(0, 230);
        var total = Enumerable.Range(0, bags).Sum(b => data.Bag(b, buffer).Span.ToArray().Sum());
        Assert.Equal(sum, total, 5);
    }

    [FashionFact]
    public void FashionBags_FollowTheProtocol_PositiveIffAtLeastKTargets()
    {
        var bags = FashionBagSet.Build(FashionBagSet.DefaultDirectory, "t10k", pool: 3000, bags: 200, target: 9, seed: 50_000);
        var labels = Hfy.Kernels.Storage.IdxReader.ReadLabels(Path.Combine(FashionBagSet.DefaultDirectory, "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal(100, bags.Labels.Count(l => l == 1));
        var lengths = new List<int>();
        for (var b = 0; b < bags.Count; b++)
        {
            var members = bags.Members(b);
            Assert.Equal(members.Count, members.Distinct().Count());
            var targets = members.Count(i => labels[i] == 9);
            Assert.Equal(bags.Labels[b] == 1, targets >= 5);
            Assert.True(members.Count >= 5);
            lengths.Add(members.Count);
        }

        Assert.InRange(lengths.Average(), 12.5, 15.5);
        Assert.Equal(784, bags.Features);
    }
}

public sealed class MilModelGradientTests
{
    [Theory]
    [InlineData("softmax", 0.0)]
    [InlineData("entmax-1.5", 0.5)]
    [InlineData("sparsemax", 0.0)]
    [InlineData("normmax-10", 0.0)]
    [InlineData("ksubsets-2", 0.3)]
    public void MilModel_EndToEnd_GradientsMatchFiniteDifferences(string map, double dropout)
    {
        var rng = new Random(21);
        var config = new MilConfig(AssociationGradientTests.Spec(map), EmbDims: 4, HiddenSize: 3, Heads: 2, Beta: 2.0, Dropout: dropout, InitSeed: 5);
        var model = new MilModel(5, config);
        var bag = GradCheck.RandomMatrix(6, 5, rng, 2.0);
        Matrix Forward()
        {
            model.Pooling.Association.Generator = new Random(3);
            var m = new Matrix(1, 1);
            m[0, 0] = model.Forward(bag);
            return m;
        }

        var (_, count) = GradCheck.Run(Forward, c =>
        {
            model.ZeroGrad();
            Forward();
            model.Backward(c[0, 0]);
            return [.. GradCheck.ParameterSlots(model)];
        }, rng, maxPerSlot: 12);
        Assert.True(count > 100);
    }

    [Fact]
    public void MilSpec_Validate_NamesEachBadField()
    {
        var spec = new Hfy.Learning.Experiments.MilSpec
        {
            Datasets = ["tiger", "lion"],
            Maps = [new Hfy.Learning.Experiments.LearningMap { Name = "normmax", Gamma = 1.0 }],
            Heads = [0],
            Epochs = 0,
        };
        var paths = spec.Validate().Select(e => e.Path).ToArray();
        Assert.Equal(["mil.datasets[1]", "mil.maps[0]", "mil.heads", "mil.epochs"], paths);
        Assert.Contains("gamma", spec.Validate()[1].Message, StringComparison.Ordinal);
    }
}

public sealed class MilThroughputTests
{
    [Theory]
    [InlineData("softmax")]
    [InlineData("entmax-1.5")]
    [InlineData("sparsemax")]
    [InlineData("normmax-10")]
    [InlineData("ksubsets-2")]
    public void TrainingStep_AfterWarmup_AllocatesNothing(string map)
    {
        var data = MilTests.Synthetic(20, 9);
        var r = MilThroughput.Measure(data, new MilConfig(AssociationGradientTests.Spec(map), EmbDims: 8, HiddenSize: 4, Heads: 3, Dropout: 0.5), steps: 200, warmup: 100);
        Assert.Equal(0.0, r.AllocatedBytesPerBag);
        Assert.True(r.TotalMicroseconds > 0);
    }
}
