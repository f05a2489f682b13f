using System.Globalization;
using System.Text;
using System.Text.Json;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Commands;

/// <summary>A dense row-major float64 matrix read from user input.</summary>
/// <param name="Data">rows × cols values.</param>
/// <param name="Rows">Number of rows.</param>
/// <param name="Cols">Values per row.</param>
public sealed record InputMatrix(double[] Data, int Rows, int Cols)
{
    /// <summary>Row r.</summary>
    public ReadOnlySpan<double> Row(int r) => Data.AsSpan(r * Cols, Cols);

    /// <summary>The values as float32.</summary>
    public float[] ToFloat() => Array.ConvertAll(Data, v => (float)v);
}

/// <summary>
/// Input and output helpers shared by the file-based commands: matrices from .npy, CSV, IDX or JSON
/// (<c>{"KEY": [[...], ...]}</c> or a bare array of rows; "-" is stdin), and float64 JSON output to a file or stdout.
/// Every error names the field (the option) and the rule, as <see cref="CliUsageException"/>.
/// </summary>
public static class JsonIo
{
    /// <summary>Reads a matrix for option <paramref name="field"/>; JSON inputs hold it under <paramref name="jsonKey"/>.</summary>
    public static InputMatrix ReadMatrix(string? source, string field, string jsonKey)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new CliUsageException($"{field}: required (a file path or - for stdin)");
        if (source != "-" && !File.Exists(source)) throw new CliUsageException($"{field}: file not found: {source}");
        var lower = source.ToLowerInvariant();
        if (lower.EndsWith(".npy", StringComparison.Ordinal))
        {
            var d = NpyReader.ReadAllDouble(source, out var rows, out var cols);
            return new InputMatrix(d, rows, cols);
        }
        if (lower.EndsWith(".csv", StringComparison.Ordinal))
        {
            var d = CsvMatrixReader.ReadAllDouble(source, out var rows, out var cols);
            return new InputMatrix(d, rows, cols);
        }
        if (lower.Contains("ubyte", StringComparison.Ordinal) || lower.EndsWith(".idx", StringComparison.Ordinal))
        {
            var f = IdxReader.ReadAll(source, out var rows, out var cols);
            return new InputMatrix(Array.ConvertAll(f, v => (double)v), rows, cols);
        }
        var text = source == "-" ? Console.In.ReadToEnd() : File.ReadAllText(source);
        return ParseJsonMatrix(text, field, jsonKey);
    }

    /// <summary>Parses <c>{"KEY": [[...]]}</c> or <c>[[...]]</c>; numbers, or the strings "-Infinity", "Infinity", "NaN".</summary>
    public static InputMatrix ParseJsonMatrix(string text, string field, string jsonKey)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        JsonElement rowsElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (!root.TryGetProperty(jsonKey, out rowsElement))
                throw new CliUsageException($"{field}: the JSON object has no \"{jsonKey}\" array");
        }
        else
        {
            rowsElement = root;
        }
        return FromRows(rowsElement, field, jsonKey);
    }

    /// <summary>The matrix of a JSON array of equal-length rows of numbers.</summary>
    internal static InputMatrix FromRows(JsonElement rowsElement, string field, string jsonKey)
    {
        if (rowsElement.ValueKind != JsonValueKind.Array)
            throw new CliUsageException($"{field}: \"{jsonKey}\" must be an array of rows");
        var values = new List<double>();
        var cols = -1;
        var r = 0;
        foreach (var row in rowsElement.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
                throw new CliUsageException($"{field}: row {r} is not an array of numbers");
            var len = row.GetArrayLength();
            if (cols >= 0 && len != cols)
                throw new CliUsageException($"{field}: row {r} has {len} values, expected {cols} like row 0 (ragged rows)");
            if (len == 0) throw new CliUsageException($"{field}: row {r} is empty");
            cols = len;
            var c = 0;
            foreach (var v in row.EnumerateArray())
            {
                values.Add(ParseValue(v, field, r, c));
                c++;
            }
            r++;
        }
        if (r == 0) throw new CliUsageException($"{field}: no rows");
        return new InputMatrix(values.ToArray(), r, cols);
    }

    private static double ParseValue(JsonElement v, string field, int r, int c)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                return v.GetDouble();
            case JsonValueKind.String:
                var s = v.GetString()!.Trim().ToLowerInvariant();
                return s switch
                {
                    "-infinity" or "-inf" or "-∞" => double.NegativeInfinity,
                    "infinity" or "inf" or "+infinity" or "+inf" or "∞" => double.PositiveInfinity,
                    "nan" => double.NaN,
                    _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                        ? d
                        : throw new CliUsageException($"{field}: row {r}, column {c}: \"{v.GetString()}\" is not a number"),
                };
            default:
                throw new CliUsageException($"{field}: row {r}, column {c}: {v.ValueKind} is not a number");
        }
    }

    /// <summary>Throws unless every value is finite (NaN and ±∞ are refused).</summary>
    public static void RequireFinite(InputMatrix m, string field)
    {
        ArgumentNullException.ThrowIfNull(m);
        for (var i = 0; i < m.Data.Length; i++)
        {
            var v = m.Data[i];
            if (!double.IsFinite(v))
                throw new CliUsageException($"{field}: row {i / m.Cols}, column {i % m.Cols} is {Show(v)}; every value must be finite");
        }
    }

    /// <summary>Formats a double for messages (NaN, +∞, −∞ spelled out).</summary>
    public static string Show(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes a float64 value; non-finite values (e.g. softmax's τ = NaN) as null, since JSON has no NaN.</summary>
    public static void WriteNumber(Utf8JsonWriter writer, double v)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(v)) writer.WriteNumberValue(v);
        else writer.WriteNullValue();
    }

    /// <summary>Writes an array of float64 values.</summary>
    public static void WriteArray(Utf8JsonWriter writer, ReadOnlySpan<double> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        foreach (var v in values) WriteNumber(writer, v);
        writer.WriteEndArray();
    }

    /// <summary>Builds a JSON document with <paramref name="write"/> and sends it to <paramref name="target"/> (a path, or "-"/null for <paramref name="stdout"/>).</summary>
    public static void WriteOutput(string? target, TextWriter stdout, Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(write);
        if (string.IsNullOrEmpty(target) || target == "-")
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            {
                write(writer);
            }
            stdout.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            return;
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(target));
        if (dir is not null && !Directory.Exists(dir)) throw new CliUsageException($"output: directory does not exist: {dir}");

        // Straight to the file: no copy of the whole document in memory.
        using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using (var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = false }))
        {
            write(writer);
        }
        file.WriteByte((byte)'\n');
    }
}
