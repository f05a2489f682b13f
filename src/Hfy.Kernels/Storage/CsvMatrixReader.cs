using System.Globalization;

namespace Hfy.Kernels.Storage;

/// <summary>
/// Reads numeric CSV files: one row per line, comma-separated. Blank lines and lines starting with '#'
/// are skipped; a first line without any number is taken as a header. A ragged row or a token that is not
/// a number is an <see cref="InvalidDataException"/> naming the file, line and column, never quoting the file's
/// text (the path may be anything a spec names, and its lines must not reach error messages or logs).
/// A missing file is a <see cref="FileNotFoundException"/>; more values than one block holds an <see cref="ArgumentException"/>.
/// </summary>
public static class CsvMatrixReader
{
    /// <summary>Reads the whole file as float64 (row-major).</summary>
    public static double[] ReadAllDouble(string path, out int rows, out int cols)
    {
        LoaderFile.CheckReadable(path);
        try
        {
            return ReadAllDoubleCore(path, out rows, out cols);
        }
        catch (UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: permission denied");
        }
    }

    private static double[] ReadAllDoubleCore(string path, out int rows, out int cols)
    {
        var values = new List<double>();
        cols = -1;
        rows = 0;
        var lineNo = 0;
        var first = true;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            var tokens = trimmed.Split(',');
            if (first)
            {
                first = false;
                if (tokens.All(t => !TryParse(t, out _))) continue; // header line
            }
            if (cols >= 0 && tokens.Length != cols)
                throw new InvalidDataException($"{path}: line {lineNo} has {tokens.Length} values, expected {cols} like the first row (ragged rows)");
            cols = tokens.Length;
            for (var c = 0; c < tokens.Length; c++)
            {
                if (!TryParse(tokens[c], out var v))
                    throw new InvalidDataException($"{path}: line {lineNo}, column {c + 1} is not a number");
                values.Add(v);
            }
            rows++;
            if ((long)values.Count > BlockLimits.MaxElements)
                throw new ArgumentException($"{path}: more than {BlockLimits.MaxElements} values do not fit in one in-memory block");
        }
        if (rows == 0) throw new InvalidDataException($"{path}: no numeric rows");
        return values.ToArray();
    }

    /// <summary>Reads the whole file as float32 (row-major).</summary>
    public static float[] ReadAll(string path, out int rows, out int cols)
    {
        var d = ReadAllDouble(path, out rows, out cols);
        var f = new float[d.Length];
        for (var i = 0; i < d.Length; i++) f[i] = (float)d[i];
        return f;
    }

    /// <summary>Reads rows [firstRow, firstRow + count).</summary>
    public static float[] ReadRows(string path, long firstRow, int count)
    {
        var all = ReadAll(path, out var rows, out var cols);
        if (firstRow < 0 || count < 0 || firstRow + count > rows)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"{path}: rows [{firstRow}, {firstRow + count}) are outside the file's {rows} rows");
        return all.AsSpan(checked((int)firstRow * cols), checked(count * cols)).ToArray();
    }

    private static bool TryParse(string token, out double value) =>
        double.TryParse(token.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
