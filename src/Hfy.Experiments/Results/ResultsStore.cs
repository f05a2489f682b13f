using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Hfy.Experiments.Results;

/// <summary>
/// Experiments and their finished cells in SQLite (<c>results.db</c> in the data directory, WAL mode).
/// A cell is unique per (experiment, cell key): a second insert of the same key is ignored, which is what
/// makes a resumed run unable to store a cell twice. Thread-safe: every call opens a pooled connection.
/// </summary>
public sealed class ResultsStore
{
    /// <summary>The database file name inside the data directory.</summary>
    public const string FileName = "results.db";

    private readonly string _connectionString;

    private ResultsStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static ResultsStore Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var store = new ResultsStore(System.IO.Path.Combine(dataDirectory, FileName));
        store.Migrate();
        return store;
    }

    private void Migrate()
    {
        using var c = Connect();
        Exec(c, "PRAGMA journal_mode=WAL;");
        Exec(c, """
            CREATE TABLE IF NOT EXISTS experiments (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                spec_json TEXT NOT NULL,
                status TEXT NOT NULL,
                total_cells INTEGER NOT NULL,
                created_utc TEXT NOT NULL,
                finished_utc TEXT,
                error TEXT);
            CREATE TABLE IF NOT EXISTS cells (
                experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
                cell_key TEXT NOT NULL,
                cell_index INTEGER NOT NULL,
                params_json TEXT NOT NULL,
                metrics_json TEXT NOT NULL,
                started_utc TEXT NOT NULL,
                finished_utc TEXT NOT NULL,
                PRIMARY KEY (experiment_id, cell_key));
            """);
        if (!HasColumn(c, "experiments", "request_id"))
        {
            Exec(c, "ALTER TABLE experiments ADD COLUMN request_id TEXT;");
        }

        // A client request id names at most one experiment: a retried submission finds the first one.
        Exec(c, "CREATE UNIQUE INDEX IF NOT EXISTS experiments_request_id ON experiments(request_id) WHERE request_id IS NOT NULL;");
    }

    private static bool HasColumn(SqliteConnection c, string table, string column)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $c";
        cmd.Parameters.AddWithValue("$c", column);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Exec(c, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
        return c;
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Stores a new experiment (status queued) and returns its id, e.g. <c>20261123-083000-3f2a</c>. With a
    /// <paramref name="requestId"/> that is already stored, stores nothing and returns that experiment's id
    /// (the insert and the look-up are one transaction, so concurrent retries still create one experiment).
    /// </summary>
    public string CreateExperiment(ExperimentSpec spec, int totalCells, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var id = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO experiments (id, name, kind, spec_json, status, total_cells, created_utc, request_id)
            VALUES ($id, $name, $kind, $spec, $status, $total, $created, $request)
            ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
            """;
        cmd.Parameters.AddWithValue("$request", (object?)requestId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$name", spec.Name ?? spec.Kind ?? "experiment");
        cmd.Parameters.AddWithValue("$kind", (ExperimentNames.ParseKind(spec.Kind) ?? ExperimentKind.Capacity).Name());
        cmd.Parameters.AddWithValue("$spec", spec.ToJson());
        cmd.Parameters.AddWithValue("$status", ExperimentStatus.Queued);
        cmd.Parameters.AddWithValue("$total", totalCells);
        cmd.Parameters.AddWithValue("$created", Iso(DateTime.UtcNow));
        var inserted = cmd.ExecuteNonQuery() == 1;
        var stored = inserted || requestId is null ? id : FindByRequestId(c, tx, requestId)!;
        tx.Commit();
        return stored;
    }

    /// <summary>The id of the experiment created with client request id <paramref name="requestId"/>, or null.</summary>
    public string? FindByRequestId(string requestId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        using var c = Connect();
        return FindByRequestId(c, null, requestId);
    }

    private static string? FindByRequestId(SqliteConnection c, SqliteTransaction? tx, string requestId)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT id FROM experiments WHERE request_id = $r";
        cmd.Parameters.AddWithValue("$r", requestId);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Sets the status (and, for finished/failed/cancelled, the finish time and error).</summary>
    public void SetStatus(string experimentId, string status, string? error = null)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        var final = status is ExperimentStatus.Finished or ExperimentStatus.Failed or ExperimentStatus.Cancelled;
        cmd.CommandText = "UPDATE experiments SET status = $s, error = $e, finished_utc = $f WHERE id = $id";
        cmd.Parameters.AddWithValue("$s", status);
        cmd.Parameters.AddWithValue("$e", (object?)error ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$f", final ? Iso(DateTime.UtcNow) : DBNull.Value);
        cmd.Parameters.AddWithValue("$id", experimentId);
        if (cmd.ExecuteNonQuery() == 0) throw new KeyNotFoundException($"no experiment '{experimentId}'");
    }

    /// <summary>
    /// Puts a failed or cancelled experiment back in the queue (status queued, error and finish time cleared). Its
    /// stored cells stay: the resumed run computes only the missing ones. Returns the status the experiment had
    /// (unchanged unless it was failed or cancelled), or null when there is no such experiment.
    /// </summary>
    public string? Requeue(string experimentId)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var read = c.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT status FROM experiments WHERE id = $id";
        read.Parameters.AddWithValue("$id", experimentId);
        if (read.ExecuteScalar() is not string status) return null;
        if (status is ExperimentStatus.Failed or ExperimentStatus.Cancelled)
        {
            using var write = c.CreateCommand();
            write.Transaction = tx;
            write.CommandText = "UPDATE experiments SET status = $s, error = NULL, finished_utc = NULL WHERE id = $id";
            write.Parameters.AddWithValue("$s", ExperimentStatus.Queued);
            write.Parameters.AddWithValue("$id", experimentId);
            write.ExecuteNonQuery();
        }
        tx.Commit();
        return status;
    }

    /// <summary>Stores a finished cell; false when a cell with the same key was already stored (it is not overwritten).</summary>
    public bool TryAddCell(CellRecord cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT OR IGNORE INTO cells (experiment_id, cell_key, cell_index, params_json, metrics_json, started_utc, finished_utc)
            VALUES ($e, $k, $i, $p, $m, $s, $f)
            """;
        cmd.Parameters.AddWithValue("$e", cell.ExperimentId);
        cmd.Parameters.AddWithValue("$k", cell.Key);
        cmd.Parameters.AddWithValue("$i", cell.Index);
        cmd.Parameters.AddWithValue("$p", JsonSerializer.Serialize(cell.Params, Compact));
        cmd.Parameters.AddWithValue("$m", JsonSerializer.Serialize(cell.Metrics, Compact));
        cmd.Parameters.AddWithValue("$s", Iso(cell.StartedUtc));
        cmd.Parameters.AddWithValue("$f", Iso(cell.FinishedUtc));
        return cmd.ExecuteNonQuery() == 1;
    }

    /// <summary>One experiment, or null.</summary>
    public ExperimentRecord? GetExperiment(string experimentId)
        => QueryExperiments("WHERE e.id = $id", experimentId).FirstOrDefault();

    /// <summary>All experiments, newest first.</summary>
    public IReadOnlyList<ExperimentRecord> ListExperiments() => QueryExperiments("", null);

    /// <summary>Experiments left queued or running (to resume after a restart), oldest first.</summary>
    public IReadOnlyList<ExperimentRecord> Unfinished()
        => QueryExperiments("WHERE e.status IN ('queued', 'running')", null).AsEnumerable().Reverse().ToArray();

    private List<ExperimentRecord> QueryExperiments(string where, string? id)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT e.id, e.name, e.kind, e.spec_json, e.status, e.total_cells,
                   (SELECT COUNT(*) FROM cells x WHERE x.experiment_id = e.id), e.created_utc, e.finished_utc, e.error
            FROM experiments e {where} ORDER BY e.created_utc DESC, e.id DESC
            """;
        if (id is not null) cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        var list = new List<ExperimentRecord>();
        while (r.Read())
        {
            list.Add(new ExperimentRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                r.GetInt32(5), r.GetInt32(6), ParseIso(r.GetString(7)), r.IsDBNull(8) ? null : ParseIso(r.GetString(8)),
                r.IsDBNull(9) ? null : r.GetString(9)));
        }
        return list;
    }

    /// <summary>The stored cells of an experiment in grid order.</summary>
    public IReadOnlyList<CellRecord> GetCells(string experimentId)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT cell_key, cell_index, params_json, metrics_json, started_utc, finished_utc
            FROM cells WHERE experiment_id = $e ORDER BY cell_index
            """;
        cmd.Parameters.AddWithValue("$e", experimentId);
        using var r = cmd.ExecuteReader();
        var list = new List<CellRecord>();
        while (r.Read())
        {
            list.Add(new CellRecord(experimentId, r.GetString(0), r.GetInt32(1),
                JsonSerializer.Deserialize<CellParams>(r.GetString(2), Compact)!,
                JsonSerializer.Deserialize<CellMetrics>(r.GetString(3), Compact)!,
                ParseIso(r.GetString(4)), ParseIso(r.GetString(5))));
        }
        return list;
    }

    /// <summary>Keys of the cells already stored (a resumed run skips them).</summary>
    public HashSet<string> GetCellKeys(string experimentId)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT cell_key FROM cells WHERE experiment_id = $e";
        cmd.Parameters.AddWithValue("$e", experimentId);
        using var r = cmd.ExecuteReader();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) keys.Add(r.GetString(0));
        return keys;
    }

    /// <summary>Number of cell rows stored for an experiment.</summary>
    public int CountCells(string experimentId)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM cells WHERE experiment_id = $e";
        cmd.Parameters.AddWithValue("$e", experimentId);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Iso(DateTime t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTime ParseIso(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
