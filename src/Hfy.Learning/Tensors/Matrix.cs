namespace Hfy.Learning.Tensors;

/// <summary>
/// A row-major float64 matrix whose storage is reused: <see cref="Resize"/> keeps the array when it is large
/// enough, so a layer's output and gradient buffers stop allocating once the largest bag has been seen.
/// </summary>
public sealed class Matrix
{
    private double[] _data;

    /// <summary>A zero matrix of the given shape.</summary>
    public Matrix(int rows, int cols)
    {
        CheckShape(rows, cols);
        _data = new double[rows * cols];
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Wraps <paramref name="data"/> (row-major, length rows·cols) without copying.</summary>
    public Matrix(int rows, int cols, double[] data)
    {
        CheckShape(rows, cols);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < rows * cols)
        {
            throw new ArgumentException($"data: length must be ≥ rows·cols = {rows * cols} (got {data.Length})", nameof(data));
        }

        _data = data;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; private set; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; private set; }

    /// <summary>All entries, row-major.</summary>
    public Span<double> Span => _data.AsSpan(0, Rows * Cols);

    /// <summary>One entry.</summary>
    public double this[int row, int col]
    {
        get => _data[(row * Cols) + col];
        set => _data[(row * Cols) + col] = value;
    }

    /// <summary>Row <paramref name="row"/>.</summary>
    public Span<double> Row(int row) => _data.AsSpan(row * Cols, Cols);

    /// <summary>Columns [<paramref name="start"/>, start + <paramref name="length"/>) of row <paramref name="row"/>.</summary>
    public Span<double> Slice(int row, int start, int length) => _data.AsSpan((row * Cols) + start, length);

    /// <summary>Sets the shape, reusing the storage when it is large enough. Contents are unspecified afterwards.</summary>
    public Matrix Resize(int rows, int cols)
    {
        CheckShape(rows, cols);
        if (_data.Length < rows * cols)
        {
            _data = new double[Math.Max(rows * cols, _data.Length * 2)];
        }

        Rows = rows;
        Cols = cols;
        return this;
    }

    /// <summary>Sets the shape and zeroes the entries.</summary>
    public Matrix ResizeZero(int rows, int cols)
    {
        Resize(rows, cols);
        Span.Clear();
        return this;
    }

    /// <summary>A copy of the entries.</summary>
    public double[] ToArray() => Span.ToArray();

    /// <summary>A matrix that owns a copy of <paramref name="data"/>.</summary>
    public static Matrix FromRows(int rows, int cols, ReadOnlySpan<double> data)
    {
        var m = new Matrix(rows, cols);
        data[..(rows * cols)].CopyTo(m.Span);
        return m;
    }

    private static void CheckShape(int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols > int.MaxValue)
        {
            throw new ArgumentException($"shape: rows and cols must be ≥ 0 with rows·cols < 2³¹ (got {rows}×{cols})");
        }
    }
}
