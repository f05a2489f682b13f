using Akka.Actor;
using Hfy.Experiments.Cells;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Plots;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Spectre.Console;
using Hfy.Experiments;
using Hfy.Coordinator.Manager;

namespace Hfy.Cli.Experiments;

/// <summary>The terminal side of experiments, shared by <c>hfy run</c>, <c>hfy results</c> and <c>hfy demo</c>.</summary>
internal static class ExperimentConsole
{
    /// <summary>Exit code for bad user input.</summary>
    public const int BadInput = 2;

    /// <summary>Default data directory: <c>./data</c>.</summary>
    public static string DefaultDataDirectory => Path.Combine(Environment.CurrentDirectory, "data");

    /// <summary>Prints every spec problem as <c>error: path: message</c>, one per line.</summary>
    public static int PrintErrors(IReadOnlyList<SpecError> errors)
    {
        foreach (var e in errors) Console.Error.WriteLine($"error: {e}");
        return BadInput;
    }

    /// <summary>Runs (or resumes) an experiment with a live progress bar; returns the exit code: 0 finished, 1 failed, 130 interrupted.</summary>
    public static async Task<int> RunWithProgressAsync(ExperimentRunner runner, string id, CancellationToken ct)
    {
        var record = runner.Store.GetExperiment(id)!;
        var ok = false;
        string? failure = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EtaColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"{Markup.Escape(record.Name)} [grey]({id})[/]", maxValue: Math.Max(1, record.TotalCells));
                var progress = new InlineProgress<ExperimentProgress>(p =>
                {
                    task.Value = p.Done;
                    task.Description = $"{Markup.Escape(record.Name)} [grey]{p.Done}/{p.Total} cells[/]";
                    EtaColumn.Set(task, p.Eta);
                });
                try
                {
                    await runner.RunAsync(id, progress, ct).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                    ok = true;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    task.StopTask();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    task.StopTask();
                    failure = e.Message;
                }
            }).ConfigureAwait(false);
        if (failure is not null)
        {
            Console.Error.WriteLine($"error: experiment {id} failed: {failure.Split('\n')[0].Trim()} (resume with: hfy run --resume {id})");
            return 1;
        }
        if (!ok) AnsiConsole.MarkupLine($"[yellow]interrupted[/]: resume with [bold]hfy run --resume {id}[/]");
        return ok ? 0 : 130;
    }

    /// <summary>
    /// Submits a spec to an experiment manager and shows its progress (from the EventStream) until it ends.
    /// Returns the id and the exit code (0 finished, 1 failed, 130 interrupted); a rejected spec prints its errors and returns a null id.
    /// </summary>
    public static async Task<(string? Id, int ExitCode)> RunViaManagerAsync(ActorSystem system, IActorRef manager, string specJson, string name, CancellationToken ct)
    {
        var reply = await manager.Ask<object>(new SubmitExperiment(specJson), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (reply is ExperimentRejected rejected)
        {
            PrintErrors(rejected.Errors);
            return (null, BadInput);
        }
        var accepted = (ExperimentAccepted)reply;
        var id = accepted.ExperimentId;
        AnsiConsole.MarkupLine($"[grey]experiment:[/] {id} ({accepted.TotalCells} cells)");
        var ended = new TaskCompletionSource<ExperimentEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        ProgressTask? task = null;
        var bridge = system.ActorOf(ManagerProgressBridge.Props(() => id, p =>
        {
            if (task is null) return;
            task.Value = p.Done;
            task.Description = $"{Markup.Escape(name)} [grey]{p.Done}/{p.Total} cells[/]";
            EtaColumn.Set(task, p.Eta);
        }, e => ended.TrySetResult(e)));
        try
        {
            ExperimentEnded? end = null;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EtaColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    task = ctx.AddTask($"{Markup.Escape(name)} [grey]({id})[/]", maxValue: Math.Max(1, accepted.TotalCells));
                    try
                    {
                        end = await ended.Task.WaitAsync(ct).ConfigureAwait(false);
                        if (end.Status == Hfy.Experiments.Results.ExperimentStatus.Finished) task.Value = task.MaxValue;
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        task.StopTask();
                    }
                }).ConfigureAwait(false);
            if (end?.Error is { } error) Console.Error.WriteLine($"error: experiment {id} failed: {error.Split('\n')[0].Trim()} (resume with: hfy run --resume {id})");
            return (id, end?.Status == Hfy.Experiments.Results.ExperimentStatus.Finished ? 0 : end?.Error is not null ? 1 : 130);
        }
        finally
        {
            system.Stop(bridge);
        }
    }

    /// <summary>
    /// The summary table: median [IQR] per cell group; post and σ columns only when they vary. <see cref="SummaryFormat.Table"/>
    /// fits the terminal (optional columns are dropped, least useful first, until it does) and never wraps when the output
    /// is not a terminal; TSV and CSV give one line per group with the median and its IQR in separate columns.
    /// </summary>
    /// <param name="rows">The summary rows.</param>
    /// <param name="format">Table, TSV or CSV.</param>
    /// <param name="output">Where to write (default: stdout).</param>
    /// <param name="width">Columns available to the table (default: the terminal's; unlimited when stdout is redirected).</param>
    public static void PrintSummary(IReadOnlyList<SummaryRow> rows, SummaryFormat format = SummaryFormat.Table, TextWriter? output = null, int? width = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var writer = output ?? Console.Out;
        var table = SummaryTable.Of(rows);
        if (format != SummaryFormat.Table)
        {
            table.WriteSeparated(writer, format == SummaryFormat.Tsv ? '\t' : ',');
            return;
        }

        var available = width ?? (output is null && !Console.IsOutputRedirected ? Math.Max(40, AnsiConsole.Profile.Width) : int.MaxValue);
        table.WriteTable(writer, available);
    }

    /// <summary>Parses a <c>--format</c> value for the summary (table, tsv or csv); null when it is none of them.</summary>
    public static SummaryFormat? ParseFormat(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "table" => SummaryFormat.Table,
        "tsv" => SummaryFormat.Tsv,
        "csv" => SummaryFormat.Csv,
        _ => null,
    };

    /// <summary>Writes CSV, JSON and PNG plots for an experiment under <paramref name="directory"/>; returns the files.</summary>
    public static IReadOnlyList<string> WriteOutputs(ResultsStore store, string id, string directory, string? plotsDirectory = null)
    {
        var record = store.GetExperiment(id) ?? throw new KeyNotFoundException($"no experiment '{id}'");
        var cells = store.GetCells(id);
        var files = new List<string>(ResultsExport.WriteAll(record, cells, directory));
        files.AddRange(PlotWriter.WriteAll(record, cells, plotsDirectory ?? directory));
        return files;
    }

    /// <summary>A local engine (the kernels in this process).</summary>
    public static IRetrievalEngine LocalEngine() => new LocalEngine();

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, which can reorder reports).</summary>
    private sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    /// <summary>Shows the runner's ETA (its pace since start) rather than Spectre's own estimate.</summary>
    private sealed class EtaColumn : ProgressColumn
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ProgressTask, StrongBox> Etas = new();

        public static void Set(ProgressTask task, TimeSpan? eta) => Etas.AddOrUpdate(task, new StrongBox(eta));

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var eta = Etas.TryGetValue(task, out var box) ? box.Value : null;
            return new Text(eta is { } t ? $"ETA {t:hh\\:mm\\:ss}" : "ETA --:--:--", new Style(Color.Blue));
        }

        private sealed class StrongBox(TimeSpan? value)
        {
            public TimeSpan? Value { get; } = value;
        }
    }
}
