using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Hfy.Learning.Experiments;

/// <summary>
/// One learning cell as it travels to whichever process runs it: the task's spec section as JSON and the cell's
/// coordinates. A cell is a pure function of this record: the same work gives bit-identical metrics wherever it runs
/// (all but <see cref="LearningCellMetrics.Seconds"/> and <see cref="LearningCellMetrics.BagsPerSecond"/>, which are
/// timings), so a cell lost with its node is simply run again.
/// </summary>
/// <param name="Task">mil or rationale.</param>
/// <param name="Section">The <c>mil</c> or <c>rationale</c> section as <see cref="SectionOf(MilSpec)"/> writes it.</param>
/// <param name="Dataset">MIL data set (elephant, fox, tiger, fashion); empty for rationale.</param>
/// <param name="Map">Index of the map in the section's map list.</param>
/// <param name="Config">MIL configuration index (0 for rationale).</param>
/// <param name="Fold">MIL outer fold (0 for rationale).</param>
/// <param name="Seed">Seed.</param>
/// <param name="Phase">MIL phase (1: grid search, 2: reruns); 2 for rationale.</param>
public sealed record LearningCellWork(string Task, string Section, string Dataset, int Map, int Config, int Fold, int Seed, int Phase)
{
    /// <summary>How sections are written and read (camelCase, as the spec files).</summary>
    public static JsonSerializerOptions SectionOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>The cell in words, for errors and logs: <c>mil tiger map 1 config 0 fold 3 seed 2</c>.</summary>
    public string Describe() => Task == "rationale"
        ? string.Create(CultureInfo.InvariantCulture, $"rationale map {Map} seed {Seed}")
        : string.Create(CultureInfo.InvariantCulture, $"mil {Dataset} map {Map} config {Config} fold {Fold} seed {Seed}");

    /// <summary>The section of a MIL spec as cells carry it.</summary>
    public static string SectionOf(MilSpec spec) => JsonSerializer.Serialize(spec ?? throw new ArgumentNullException(nameof(spec)), SectionOptions);

    /// <summary>The section of a rationale spec as cells carry it.</summary>
    public static string SectionOf(RationaleSpec spec) => JsonSerializer.Serialize(spec ?? throw new ArgumentNullException(nameof(spec)), SectionOptions);

    /// <summary>A MIL cell of the section <paramref name="section"/> (<see cref="SectionOf(MilSpec)"/>).</summary>
    public static LearningCellWork ForMil(string section, MilCell cell)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(cell);
        return new LearningCellWork("mil", section, cell.Dataset, cell.MapIndex, cell.Config, cell.Fold, cell.Seed, cell.Phase);
    }

    /// <summary>A rationale cell (map × seed) of the section <paramref name="section"/>.</summary>
    public static LearningCellWork ForRationale(string section, int map, int seed)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new LearningCellWork("rationale", section, string.Empty, map, 0, 0, seed, 2);
    }
}

/// <summary>
/// Runs <see cref="LearningCellWork"/>: reads and validates the section (once per distinct section: the parsed
/// experiment and its loaded data sets are kept for the cells that follow) and trains the cell. Thread-safe; one per
/// process or node.
/// </summary>
public sealed class LearningCellRunner
{
    /// <summary>Distinct sections kept at once (each holds its loaded data sets); older ones are dropped past this.</summary>
    public const int MaxSections = 8;

    private readonly ConcurrentDictionary<string, Lazy<object>> _sections = new(StringComparer.Ordinal);

    /// <summary>Trains and scores one cell; a bad section or coordinate is an <see cref="ArgumentException"/> naming the field.</summary>
    public LearningCellMetrics Run(LearningCellWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var section = Section(work);
        switch (section)
        {
            case MilExperiment mil:
            {
                if (work.Map < 0 || work.Map >= mil.Maps.Count) throw Bad("map", $"must be in 0..{mil.Maps.Count - 1} (got {work.Map})");
                if (Array.IndexOf(mil.Spec.Datasets!, work.Dataset) < 0) throw Bad("dataset", $"must be one of the section's data sets {string.Join(", ", mil.Spec.Datasets!)} (got '{work.Dataset}')");
                if (work.Config < 0 || work.Config >= mil.Spec.ConfigCount) throw Bad("config", $"must be in 0..{mil.Spec.ConfigCount - 1} (got {work.Config})");
                if (work.Fold < 0 || work.Fold >= mil.FoldsOf(work.Dataset)) throw Bad("fold", $"must be in 0..{mil.FoldsOf(work.Dataset) - 1} (got {work.Fold})");
                if (work.Seed < 0 || work.Seed >= mil.Spec.Seeds) throw Bad("seed", $"must be in 0..{mil.Spec.Seeds - 1} (got {work.Seed})");
                if (work.Phase is not (1 or 2)) throw Bad("phase", $"must be 1 or 2 (got {work.Phase})");
                return mil.Run(new MilCell(work.Dataset, work.Map, mil.Maps[work.Map], work.Config, work.Fold, work.Seed, work.Phase));
            }

            case RationaleSpec rationale:
                if (work.Map < 0 || work.Map >= rationale.Maps!.Length) throw Bad("map", $"must be in 0..{rationale.Maps!.Length - 1} (got {work.Map})");
                if (work.Seed < 0 || work.Seed >= rationale.Seeds) throw Bad("seed", $"must be in 0..{rationale.Seeds - 1} (got {work.Seed})");
                return rationale.Run(work.Map, work.Seed);
            default:
                throw new InvalidOperationException("unreachable: a section is a MIL experiment or a rationale spec");
        }
    }

    private object Section(LearningCellWork work)
    {
        if (work.Task is not ("mil" or "rationale")) throw Bad("task", $"must be mil or rationale (got '{work.Task}')");
        var key = work.Task + "\n" + work.Section;
        if (_sections.Count >= MaxSections && !_sections.ContainsKey(key)) _sections.Clear();
        var lazy = _sections.GetOrAdd(key, _ => new Lazy<object>(() => Parse(work), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (ArgumentException)
        {
            // A section that does not read is not kept (its data may appear later on this node).
            _sections.TryRemove(key, out _);
            throw;
        }
    }

    private static object Parse(LearningCellWork work)
    {
        try
        {
            if (work.Task == "mil")
            {
                var mil = JsonSerializer.Deserialize<MilSpec>(work.Section, LearningCellWork.SectionOptions) ?? throw Bad("section", "is null");
                ThrowIfInvalid(mil.Validate());
                return new MilExperiment(mil);
            }

            var rationale = JsonSerializer.Deserialize<RationaleSpec>(work.Section, LearningCellWork.SectionOptions) ?? throw Bad("section", "is null");
            ThrowIfInvalid(rationale.Validate());
            return rationale;
        }
        catch (JsonException e)
        {
            throw Bad("section", $"is not a {work.Task} section: {e.Message}");
        }
    }

    private static void ThrowIfInvalid(IReadOnlyList<(string Path, string Message)> errors)
    {
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
    }

    private static ArgumentException Bad(string field, string message) => new($"learning cell {field}: {message}");
}
