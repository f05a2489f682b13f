using Hfy.Web;

namespace Hfy.Coordinator.Tests.Web;

public sealed class ExperimentPaceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Cells of <paramref name="seconds"/> each, run one after the other from T0.</summary>
    private static List<(DateTimeOffset, DateTimeOffset)> Sequential(int count, double seconds) =>
        [.. Enumerable.Range(0, count).Select(i => (T0.AddSeconds(i * seconds), T0.AddSeconds((i + 1) * seconds)))];

    [Fact]
    public void Pace_OfSequentialCells_IsCellsOverTheirSpan_AndTheEtaIsTheRemainderAtThatRate()
    {
        // 10 cells of 6 s: 10 cells per minute; 30 left → 180 s.
        var cells = Sequential(10, 6);
        var pace = ExperimentPace.Of(cells, 40, running: true, now: T0.AddSeconds(61));
        Assert.Equal(10, pace.CellsPerMinute!.Value, 9);
        Assert.Equal(180, pace.EtaSeconds!.Value, 9);
        Assert.False(pace.Stalled);
        Assert.Equal(T0.AddSeconds(60), pace.LastCellAt);
    }

    [Fact]
    public void Pace_IsMeasuredOverTheRecentCellsOnly()
    {
        // 20 slow cells (60 s each) then 20 fast ones (3 s each): the window of 20 sees only the fast ones.
        var slow = Sequential(20, 60);
        var fast = Enumerable.Range(0, 20).Select(i => (T0.AddSeconds(1200 + i * 3), T0.AddSeconds(1200 + (i + 1) * 3)));
        var pace = ExperimentPace.Of([.. slow, .. fast], 100, running: true, now: T0.AddSeconds(1261));
        Assert.Equal(20.0, pace.CellsPerMinute!.Value, 9);
        Assert.Equal(60 * 3, pace.EtaSeconds!.Value, 9);
    }

    [Fact]
    public void ConcurrentCells_CountOnceEach()
    {
        // Two cells at a time, each 10 s: 4 cells in 20 s = 12 per minute.
        var cells = new List<(DateTimeOffset, DateTimeOffset)>
        {
            (T0, T0.AddSeconds(10)), (T0, T0.AddSeconds(10)), (T0.AddSeconds(10), T0.AddSeconds(20)), (T0.AddSeconds(10), T0.AddSeconds(20)),
        };
        var pace = ExperimentPace.Of(cells, 8, running: true, now: T0.AddSeconds(21));
        Assert.Equal(12, pace.CellsPerMinute!.Value, 9);
        Assert.Equal(20, pace.EtaSeconds!.Value, 9);
    }

    [Fact]
    public void Stall_NeedsBothTheFactorAndTheFloor()
    {
        // One cell every 2 s; factor 10 → 20 s; floor 60 s: stalled only past 60 s of quiet.
        var cells = Sequential(10, 2);
        var last = T0.AddSeconds(20);
        Assert.False(ExperimentPace.Of(cells, 50, true, last.AddSeconds(59)).Stalled);
        var stalled = ExperimentPace.Of(cells, 50, true, last.AddSeconds(61));
        Assert.True(stalled.Stalled);
        Assert.Null(stalled.EtaSeconds);
        Assert.Equal(30, stalled.CellsPerMinute!.Value, 9);

        // A slow experiment (one cell per 30 s): 10 × 30 s = 300 s of quiet before it counts as stalled.
        var slow = Sequential(5, 30);
        var slowLast = T0.AddSeconds(150);
        Assert.False(ExperimentPace.Of(slow, 50, true, slowLast.AddSeconds(299)).Stalled);
        Assert.True(ExperimentPace.Of(slow, 50, true, slowLast.AddSeconds(301)).Stalled);

        // With a 1 s floor the factor alone decides.
        var options = new PaceOptions(StallAfter: TimeSpan.FromSeconds(1));
        Assert.False(ExperimentPace.Of(cells, 50, true, last.AddSeconds(19), options).Stalled);
        Assert.True(ExperimentPace.Of(cells, 50, true, last.AddSeconds(21), options).Stalled);
    }

    [Fact]
    public void AResumedRun_IsPacedByItsOwnCells_NotStalledByTheOldOnes()
    {
        // 10 cells of 6 s a day ago; resumed a minute ago.
        var old = Sequential(10, 6);
        var resumed = T0.AddDays(1);
        var justResumed = ExperimentPace.Of(old, 40, running: true, now: resumed.AddSeconds(60), runStarted: resumed);
        Assert.False(justResumed.Stalled);
        Assert.Null(justResumed.CellsPerMinute);
        Assert.Null(justResumed.EtaSeconds);
        Assert.Equal(T0.AddSeconds(60), justResumed.LastCellAt);

        // Without the run's start, the same history reads as a stall.
        Assert.True(ExperimentPace.Of(old, 40, running: true, now: resumed.AddSeconds(60)).Stalled);

        // The first cell of the resumed run, 4 s long: 15 cells per minute, 29 left → 116 s.
        List<(DateTimeOffset, DateTimeOffset)> cells = [.. old, (resumed.AddSeconds(10), resumed.AddSeconds(14))];
        var pace = ExperimentPace.Of(cells, 40, running: true, now: resumed.AddSeconds(15), runStarted: resumed);
        Assert.Equal(15, pace.CellsPerMinute!.Value, 9);
        Assert.Equal(116, pace.EtaSeconds!.Value, 9);
    }

    [Fact]
    public void OnlyARunningExperiment_HasAnEtaOrAStall()
    {
        var cells = Sequential(10, 6);
        var finished = ExperimentPace.Of(cells, 10, running: false, now: T0.AddDays(1));
        Assert.False(finished.Stalled);
        Assert.Null(finished.EtaSeconds);
        Assert.Equal(10, finished.CellsPerMinute!.Value, 9);
        Assert.Equal(ExperimentPace.None, ExperimentPace.Of([], 10, running: true, now: T0));
    }
}
