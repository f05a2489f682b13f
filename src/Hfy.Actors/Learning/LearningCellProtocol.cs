using Hfy.Actors.Protocol;
using Hfy.Learning.Experiments;
using MessagePack;

namespace Hfy.Actors.Learning;

// The conversation between the coordinator's learning-cell dispatcher and a bank node's learning worker
// (docs/learning.md, "Cells on a cluster"), top to bottom: capacity? → capacity (once per node), then per cell
// run → done | failed. A cell is a pure function of its work, so
// the dispatcher sends it again (a new attempt) when its node is lost; a late answer to a request that already has
// one is dropped by its request id.

/// <summary>What every message about one cell starts with (keys 0–1): the dispatcher's request and attempt, echoed in the answer.</summary>
/// <param name="RequestId">The dispatcher's id of the cell.</param>
/// <param name="Attempt">Attempt number (1 for the first send).</param>
[MessagePackObject]
public abstract record LearningCellMessage(
    [property: Key(0)] string RequestId,
    [property: Key(1)] int Attempt) : IHfyMessage;

/// <summary>Trains one learning cell on the receiving node. Reply: <see cref="LearningCellDone"/> or <see cref="LearningCellFailed"/>.</summary>
/// <param name="RequestId">The dispatcher's id of the cell, echoed.</param>
/// <param name="Attempt">Attempt number (1 for the first send), echoed.</param>
/// <param name="Cell">The cell.</param>
[MessagePackObject]
public sealed record RunLearningCell(string RequestId, int Attempt,
    [property: Key(2)] LearningCellPart Cell) : LearningCellMessage(RequestId, Attempt);

/// <summary><see cref="LearningCellWork"/> on the wire, field for field.</summary>
/// <param name="Task">mil or rationale.</param>
/// <param name="Section">The task's spec section, JSON.</param>
/// <param name="Dataset">MIL data set; empty for rationale.</param>
/// <param name="Map">Map index in the section.</param>
/// <param name="Config">Configuration index.</param>
/// <param name="Fold">Outer fold.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Phase">Phase (1 or 2).</param>
[MessagePackObject]
public sealed record LearningCellPart(
    [property: Key(0)] string Task,
    [property: Key(1)] string Section,
    [property: Key(2)] string Dataset,
    [property: Key(3)] int Map,
    [property: Key(4)] int Config,
    [property: Key(5)] int Fold,
    [property: Key(6)] int Seed,
    [property: Key(7)] int Phase)
{
    /// <summary>The wire form of a cell.</summary>
    public static LearningCellPart From(LearningCellWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return new(work.Task, work.Section, work.Dataset, work.Map, work.Config, work.Fold, work.Seed, work.Phase);
    }

    /// <summary>The cell.</summary>
    public LearningCellWork ToWork() => new(Task, Section, Dataset, Map, Config, Fold, Seed, Phase);
}

/// <summary>What every answer to <see cref="RunLearningCell"/> starts with (keys 0–2): the request and attempt, echoed, and the node.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="Attempt">The request's attempt.</param>
/// <param name="Node">Address of the node that ran the cell, or refused it.</param>
[MessagePackObject]
public abstract record LearningCellAnswer(string RequestId, int Attempt,
    [property: Key(2)] string Node) : LearningCellMessage(RequestId, Attempt);

/// <summary>A cell trained and scored.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="Attempt">The request's attempt.</param>
/// <param name="Node">Address of the node that ran it.</param>
/// <param name="Metrics">What it measured.</param>
[MessagePackObject]
public sealed record LearningCellDone(string RequestId, int Attempt, string Node,
    [property: Key(3)] LearningCellOutcome Metrics) : LearningCellAnswer(RequestId, Attempt, Node);

/// <summary>A cell that could not run (bad section, data missing on the node, a training error); the reason is one line.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="Attempt">The request's attempt.</param>
/// <param name="Node">Address of the node that refused it.</param>
/// <param name="Reason">Why, naming the field where the work was at fault.</param>
[MessagePackObject]
public sealed record LearningCellFailed(string RequestId, int Attempt, string Node,
    [property: Key(3)] string Reason) : LearningCellAnswer(RequestId, Attempt, Node);

/// <summary><see cref="LearningCellMetrics"/> on the wire, field for field (doubles bit for bit).</summary>
[MessagePackObject]
public sealed record LearningCellOutcome(
    [property: Key(0)] string Task,
    [property: Key(1)] string Dataset,
    [property: Key(2)] string Map,
    [property: Key(3)] int Config,
    [property: Key(4)] string Hyper,
    [property: Key(5)] int Fold,
    [property: Key(6)] int Seed,
    [property: Key(7)] int Phase,
    [property: Key(8)] double TrainAuc,
    [property: Key(9)] double ValidationAuc,
    [property: Key(10)] double TestAuc,
    [property: Key(11)] double TestAccuracy,
    [property: Key(12)] double ValidationAccuracy,
    [property: Key(13)] double FinalLoss,
    [property: Key(14)] double Seconds,
    [property: Key(15)] double BagsPerSecond,
    [property: Key(16)] double? Precision,
    [property: Key(17)] double? Runs,
    [property: Key(18)] double? Recall)
{
    /// <summary>The wire form of a cell's metrics.</summary>
    public static LearningCellOutcome From(LearningCellMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.Task, m.Dataset, m.Map, m.Config, m.Hyper, m.Fold, m.Seed, m.Phase, m.TrainAuc, m.ValidationAuc, m.TestAuc, m.TestAccuracy,
            m.ValidationAccuracy, m.FinalLoss, m.Seconds, m.BagsPerSecond, m.Precision, m.Runs, m.Recall);
    }

    /// <summary>The metrics.</summary>
    public LearningCellMetrics ToMetrics() => new(Task, Dataset, Map, Config, Hyper, Fold, Seed, Phase, TrainAuc, ValidationAuc, TestAuc, TestAccuracy,
        ValidationAccuracy, FinalLoss, Seconds, BagsPerSecond, Precision, Runs, Recall);
}

/// <summary>Asks a bank node's learning worker how many cells it trains at once. Reply: <see cref="LearningCapacity"/>.</summary>
/// <param name="Sequence">Echoed.</param>
[MessagePackObject]
public sealed record LearningCapacityRequest([property: Key(0)] long Sequence) : IHfyMessage;

/// <summary>How many cells a bank node trains at once: its numeric dispatcher's threads.</summary>
/// <param name="Sequence">The request's sequence number.</param>
/// <param name="Node">The node's address.</param>
/// <param name="Cells">Cells at once (≥ 1).</param>
[MessagePackObject]
public sealed record LearningCapacity(
    [property: Key(0)] long Sequence,
    [property: Key(1)] string Node,
    [property: Key(2)] int Cells) : IHfyMessage;
