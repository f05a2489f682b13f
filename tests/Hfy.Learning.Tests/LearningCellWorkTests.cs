using Hfy.Learning.Experiments;

namespace Hfy.Learning.Tests;

/// <summary>A learning cell as it travels: the section survives JSON exactly, and the runner gives the in-process cell's numbers.</summary>
public class LearningCellWorkTests
{
    private static MilSpec TinyMil() => new()
    {
        Datasets = ["tiger"],
        Maps = [new LearningMap { Name = "softmax" }, new LearningMap { Name = "entmax", Alpha = 1.5 }],
        Lr = [1e-3, 0.0123456789012345],
        EmbDims = [8],
        HiddenSize = [4],
        Heads = [2],
        Beta = [0.1],
        Epochs = 2,
        Folds = 4,
        Seeds = 2,
        DataDir = RepoData.MilDirectory,
    };

    private static RationaleSpec TinyRationale() => new()
    {
        Train = 24,
        Test = 10,
        Epochs = 2,
        Seeds = 2,
        Maps = [new LearningMap { Name = "ksubsets", K = 5 }, new LearningMap { Name = "seq-ksubsets", K = 5, W = 1.5 }],
    };

    [Fact]
    public void MilSection_RoundTripsThroughJson_WithEveryValueIntact()
    {
        var spec = TinyMil();
        var back = System.Text.Json.JsonSerializer.Deserialize<MilSpec>(LearningCellWork.SectionOf(spec), LearningCellWork.SectionOptions)!;
        Assert.Equal(LearningCellWork.SectionOf(spec), LearningCellWork.SectionOf(back));
        Assert.Equal(spec.Lr, back.Lr);
        Assert.Equal(spec.Maps!.Select(m => m.ToSpec("m", out _)), back.Maps!.Select(m => m.ToSpec("m", out _)));
        Assert.Equal(spec.Configs(Hfy.Kernels.Maps.MapSpec.Softmax), back.Configs(Hfy.Kernels.Maps.MapSpec.Softmax));
    }

    [Fact]
    public void MilCell_RunFromItsWork_IsBitIdenticalToTheInProcessCell()
    {
        var spec = TinyMil();
        var experiment = new MilExperiment(spec);
        var cell = experiment.Phase1("tiger", 1).ElementAt(5); // configuration 1, fold 1
        var direct = experiment.Run(cell);
        var runner = new LearningCellRunner();
        var viaWork = runner.Run(LearningCellWork.ForMil(LearningCellWork.SectionOf(spec), cell));
        Assert.Equal(Comparable(direct), Comparable(viaWork));
        Assert.Equal(BitConverter.DoubleToInt64Bits(direct.FinalLoss), BitConverter.DoubleToInt64Bits(viaWork.FinalLoss));

        // Another fold is another cell: the comparison above can fail.
        var other = runner.Run(LearningCellWork.ForMil(LearningCellWork.SectionOf(spec), cell with { Fold = 2 }));
        Assert.NotEqual(BitConverter.DoubleToInt64Bits(direct.FinalLoss), BitConverter.DoubleToInt64Bits(other.FinalLoss));
    }

    [Fact]
    public void RationaleCell_RunFromItsWork_IsBitIdenticalToTheInProcessCell()
    {
        var spec = TinyRationale();
        var direct = spec.Run(1, 1);
        var viaWork = new LearningCellRunner().Run(LearningCellWork.ForRationale(LearningCellWork.SectionOf(spec), 1, 1));
        Assert.Equal(Comparable(direct), Comparable(viaWork));
        Assert.NotNull(viaWork.Runs);
    }

    [Theory]
    [InlineData("map", 5, 0, 0, 0, "tiger")]
    [InlineData("config", 0, 2, 0, 0, "tiger")]
    [InlineData("fold", 0, 0, 4, 0, "tiger")]
    [InlineData("seed", 0, 0, 0, 2, "tiger")]
    [InlineData("dataset", 0, 0, 0, 0, "fox")]
    public void MilWork_OutsideItsSection_IsRefused_NamingTheField(string field, int map, int config, int fold, int seed, string dataset)
    {
        var work = new LearningCellWork("mil", LearningCellWork.SectionOf(TinyMil()), dataset, map, config, fold, seed, 1);
        var e = Assert.Throws<ArgumentException>(() => new LearningCellRunner().Run(work));
        Assert.StartsWith($"learning cell {field}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Section_ThatIsNotValid_IsRefused_WithTheValidatorsMessage()
    {
        var runner = new LearningCellRunner();
        var missing = new LearningCellWork("mil", LearningCellWork.SectionOf(TinyMil() with { DataDir = "/nonexistent/mil" }), "tiger", 0, 0, 0, 0, 1);
        Assert.Contains("mil.dataDir", Assert.Throws<ArgumentException>(() => runner.Run(missing)).Message, StringComparison.Ordinal);
        var garbage = new LearningCellWork("mil", "{ not json", "tiger", 0, 0, 0, 0, 1);
        Assert.StartsWith("learning cell section:", Assert.Throws<ArgumentException>(() => runner.Run(garbage)).Message, StringComparison.Ordinal);
        var task = garbage with { Task = "vision" };
        Assert.StartsWith("learning cell task:", Assert.Throws<ArgumentException>(() => runner.Run(task)).Message, StringComparison.Ordinal);
    }

    /// <summary>Every field but the two timings.</summary>
    internal static LearningCellMetrics Comparable(LearningCellMetrics m) => m with { Seconds = 0, BagsPerSecond = 0 };
}
