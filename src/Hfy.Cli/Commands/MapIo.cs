using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Commands;

/// <summary>
/// Rows of scores for <c>hfy map</c>, read in blocks. The input contract, for JSON and .npy alike: a 2-D array of
/// rows × N float64 (or float32, widened exactly) scores with at least one row and N ≥ 1; JSON as
/// <c>{"scores": [[...], ...]}</c> or a bare <c>[[...], ...]</c>. Refused with one line naming the rule: a 1-D array
/// (one problem is <c>[[...]]</c> / shape (1, N)), zero rows, empty or ragged rows, and (row by row, in
/// <see cref="MapRows"/>) NaN or +∞ scores. −∞ is a masked pattern.
/// </summary>
internal abstract partial class ScoreSource : IDisposable
{
    /// <summary>Number of rows (problems).</summary>
    public abstract long Rows { get; }

    /// <summary>Scores per row, N.</summary>
    public abstract int Cols { get; }

    /// <summary>Reads rows [first, first + count) into <paramref name="into"/> (count × Cols values).</summary>
    public abstract void Read(long first, int count, Span<double> into);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the file, if any.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Opens <paramref name="source"/> (a .npy path, a JSON path, or "-" for JSON on stdin) under the contract.</summary>
    public static ScoreSource Open(string source, string field, string jsonKey)
    {
        if (source != "-" && !File.Exists(source)) throw new CliUsageException($"{field}: file not found: {source}");
        if (source.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return new NpySource(source, field);
        var bytes = source == "-" ? Encoding.UTF8.GetBytes(Console.In.ReadToEnd()) : File.ReadAllBytes(source);
        return new MatrixSource(ParseJson(bytes, field, jsonKey));
    }

    /// <summary>Parses a JSON 2-D array under the contract (see the class remarks).</summary>
    public static InputMatrix ParseJson(ReadOnlySpan<byte> utf8, string field, string jsonKey)
    {
        using var doc = JsonDocument.Parse(utf8.ToArray());
        var root = doc.RootElement;
        var rows = root;
        if (root.ValueKind == JsonValueKind.Object && !root.TryGetProperty(jsonKey, out rows))
            throw new CliUsageException($"{field}: the JSON object has no \"{jsonKey}\" array");
        if (rows.ValueKind != JsonValueKind.Array)
            throw new CliUsageException($"{field}: \"{jsonKey}\" must be a 2-D array of rows [[...], ...]");
        if (rows.GetArrayLength() == 0)
            throw new CliUsageException($"{field}: no rows; at least one row of scores is required");
        if (rows[0].ValueKind != JsonValueKind.Array)
            throw new CliUsageException($"{field}: a 1-D array is not accepted; scores are a 2-D array of rows (one problem: [[...]])");
        return JsonIo.FromRows(rows, field, jsonKey);
    }

    private sealed class MatrixSource(InputMatrix m) : ScoreSource
    {
        public override long Rows => m.Rows;

        public override int Cols => m.Cols;

        public override void Read(long first, int count, Span<double> into) =>
            m.Data.AsSpan(checked((int)(first * m.Cols)), count * m.Cols).CopyTo(into);
    }

    private sealed partial class NpySource : ScoreSource
    {
        private readonly FileStream _stream;
        private readonly NpyHeader _header;
        private byte[] _raw = [];

        public NpySource(string path, string field)
        {
            var dims = Shape(path);
            if (dims.Length == 1)
                throw new CliUsageException($"{field}: a 1-D .npy (shape ({dims[0]},)) is not accepted; scores are rows × N (one problem: shape (1, {dims[0]}))");
            if (dims.Length != 2)
                throw new CliUsageException($"{field}: the .npy has {dims.Length} dimensions; scores are a 2-D array rows × N");
            if (dims[0] == 0)
                throw new CliUsageException($"{field}: no rows (.npy shape (0, {dims[1]})); at least one row of scores is required");
            if (dims[1] == 0)
                throw new CliUsageException($"{field}: rows are empty (.npy shape ({dims[0]}, 0)); N ≥ 1 scores per row are required");
            _header = NpyReader.ReadHeader(path);
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }

        public override long Rows => _header.Rows;

        public override int Cols => _header.Cols;

        public override void Read(long first, int count, Span<double> into)
        {
            var n = count * Cols;
            _stream.Position = _header.DataOffset + (first * Cols * _header.ElementSize);
            if (_header.DType == NpyDType.Float64)
            {
                ReadExactly(MemoryMarshal.AsBytes(into[..n]));
                return;
            }

            if (_raw.Length < n * 4) _raw = new byte[n * 4];
            ReadExactly(_raw.AsSpan(0, n * 4));
            var floats = MemoryMarshal.Cast<byte, float>(_raw.AsSpan(0, n * 4));
            for (var i = 0; i < n; i++) into[i] = floats[i];
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _stream.Dispose();
        }

        private void ReadExactly(Span<byte> buffer)
        {
            if (_stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
                throw new InvalidDataException($"{_stream.Name}: file is truncated");
        }

        /// <summary>The dimensions in the header (NpyReader reads a 1-D array as one row; the map contract refuses it).</summary>
        private static long[] Shape(string path)
        {
            Span<byte> head = stackalloc byte[4096];
            int read;
            using (var s = File.OpenRead(path)) read = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var text = Encoding.Latin1.GetString(head[..read]);
            var match = ShapePattern().Match(text);
            if (!text.StartsWith("\u0093NUMPY", StringComparison.Ordinal) || !match.Success)
                throw new InvalidDataException($"{path}: not a .npy file with a 'shape' header");
            return [.. match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
        }

        [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
        private static partial Regex ShapePattern();
    }
}

/// <summary>Where <c>hfy map</c> puts its results: p (rows × N), τ and the support size of each row.</summary>
internal abstract class MapSink : IDisposable
{
    /// <summary>Appends a block of rows (p is count × cols, row-major).</summary>
    public abstract void Write(ReadOnlySpan<double> p, ReadOnlySpan<double> tau, ReadOnlySpan<long> support);

    /// <summary>Completes the output (the JSON document is written here).</summary>
    public abstract void Finish();

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases open files.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>The sidecar paths of an .npy output: OUT.npy holds p, OUT.tau.npy τ and OUT.support.npy the support sizes.</summary>
    public static (string Tau, string Support) Sidecars(string path)
    {
        var stem = path[..^".npy".Length];
        return (stem + ".tau.npy", stem + ".support.npy");
    }

    /// <summary>JSON <c>{"map", "outputMass", "p", "tau", "support"}</c>, built in memory (JSON is for small outputs).</summary>
    public sealed class Json(string? target, TextWriter stdout, string label, double mass, int cols) : MapSink
    {
        private readonly List<double> _p = [];
        private readonly List<double> _tau = [];
        private readonly List<long> _support = [];

        public override void Write(ReadOnlySpan<double> p, ReadOnlySpan<double> tau, ReadOnlySpan<long> support)
        {
            _p.AddRange(p);
            _tau.AddRange(tau);
            _support.AddRange(support);
        }

        public override void Finish()
        {
            var p = CollectionsMarshal.AsSpan(_p).ToArray();
            JsonIo.WriteOutput(target, stdout, w =>
            {
                w.WriteStartObject();
                w.WriteString("map", label);
                w.WriteNumber("outputMass", mass);
                w.WritePropertyName("p");
                w.WriteStartArray();
                for (var r = 0; r < _tau.Count; r++) JsonIo.WriteArray(w, p.AsSpan(r * cols, cols));
                w.WriteEndArray();
                w.WritePropertyName("tau");
                JsonIo.WriteArray(w, CollectionsMarshal.AsSpan(_tau));
                w.WritePropertyName("support");
                w.WriteStartArray();
                foreach (var s in _support) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
    }

    /// <summary>Three .npy files written as the blocks arrive: p (rows, N) float64, τ (rows,) float64 (NaN where a map has none), support (rows,) int64.</summary>
    public sealed class Npy : MapSink
    {
        private readonly FileStream _p;
        private readonly FileStream _tau;
        private readonly FileStream _support;
        private readonly string[] _paths;
        private bool _finished;

        public Npy(string path, long rows, int cols)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null && !Directory.Exists(dir)) throw new CliUsageException($"output: directory does not exist: {dir}");
            var (tau, support) = Sidecars(path);
            _p = Create(path, "<f8", $"({rows}, {cols})");
            _tau = Create(tau, "<f8", $"({rows},)");
            _support = Create(support, "<i8", $"({rows},)");
            _paths = [path, tau, support];
        }

        public override void Write(ReadOnlySpan<double> p, ReadOnlySpan<double> tau, ReadOnlySpan<long> support)
        {
            _p.Write(MemoryMarshal.AsBytes(p));
            _tau.Write(MemoryMarshal.AsBytes(tau));
            _support.Write(MemoryMarshal.AsBytes(support));
        }

        public override void Finish()
        {
            _p.Flush();
            _tau.Flush();
            _support.Flush();
            _finished = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (!disposing) return;
            _p.Dispose();
            _tau.Dispose();
            _support.Dispose();
            if (!_finished)
            {
                // A failed run leaves no half-written result behind.
                foreach (var path in _paths) File.Delete(path);
            }
        }

        private static FileStream Create(string path, string descr, string shape)
        {
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
            var pad = (64 - ((10 + dict.Length + 1) % 64)) % 64;
            var header = dict + new string(' ', pad) + "\n";
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            stream.Write(len);
            stream.Write(Encoding.Latin1.GetBytes(header));
            return stream;
        }
    }
}
