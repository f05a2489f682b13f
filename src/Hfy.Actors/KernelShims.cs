// TEMPORARY: stand-ins for kernel names other helpers provide (COMMON.md); deleted when main has them.
#pragma warning disable
namespace Hfy.Kernels.Storage
{
    public static class BankSources
    {
        public static float[] ReadRows(BankSpec spec, long firstRow, int count)
        {
            var data = new float[(long)count * spec.Dim];
            for (long i = 0; i < count; i++)
            {
                var rng = new Random(unchecked((int)(spec.Seed * 7919 + (ulong)(firstRow + i))));
                for (int j = 0; j < spec.Dim; j++) data[i * spec.Dim + j] = (float)(rng.NextDouble() * 2 - 1);
                Hfy.Kernels.Dynamics.PostTransforms.NormalizeRow(spec.Normalization, data.AsSpan((int)(i * spec.Dim), spec.Dim));
            }
            return data;
        }

        public static Bank Load(BankSpec spec) => new(ReadRows(spec, 0, (int)spec.Rows), (int)spec.Rows, spec.Dim);
    }
}

namespace Hfy.Kernels.Scoring
{
    public static class Scorer
    {
        public static void Score(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> q, double beta, Span<float> scores)
        {
            for (int i = 0; i < scores.Length; i++)
            {
                float s = 0;
                for (int j = 0; j < dim; j++) s += rows[i * dim + j] * q[j];
                scores[i] = (float)(beta * s);
            }
        }

        public static void ScoreBatch(ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> queries, int batch, double beta, Span<float> scores)
        {
            int n = rows.Length / dim;
            for (int b = 0; b < batch; b++) Score(rows, dim, queries.Slice(b * dim, dim), beta, scores.Slice(b * n, n));
        }
    }
}

namespace Hfy.Kernels.Maps
{
    public static class MapFactory
    {
        public static IMap Create(MapSpec spec) => throw new NotImplementedException("maps helper");
        public static string? Validate(MapSpec spec, long n) => null;
    }
}

namespace Hfy.Kernels.Dynamics
{
    public static class PostTransforms
    {
        public static void Apply(PostTransform kind, Span<double> z, double beta)
        {
            switch (kind)
            {
                case PostTransform.Identity: return;
                case PostTransform.Tanh: for (int i = 0; i < z.Length; i++) z[i] = Math.Tanh(beta * z[i]); return;
                case PostTransform.L2:
                {
                    double s = 0; foreach (var v in z) s += v * v; s = Math.Sqrt(s);
                    if (s > 0) for (int i = 0; i < z.Length; i++) z[i] /= s;
                    return;
                }
                default:
                {
                    double m = 0; foreach (var v in z) m += v; m /= z.Length;
                    double var = 0; foreach (var v in z) var += (v - m) * (v - m); var /= z.Length;
                    for (int i = 0; i < z.Length; i++) z[i] = (z[i] - m) / Math.Sqrt(var + 1e-5);
                    return;
                }
            }
        }

        public static void NormalizeRow(Hfy.Kernels.Storage.RowNormalization kind, Span<float> row)
        {
            if (kind == Hfy.Kernels.Storage.RowNormalization.None) return;
            var z = new double[row.Length];
            for (int i = 0; i < z.Length; i++) z[i] = row[i];
            Apply(kind == Hfy.Kernels.Storage.RowNormalization.L2 ? PostTransform.L2 : PostTransform.LayerNorm, z, 1);
            for (int i = 0; i < z.Length; i++) row[i] = (float)z[i];
        }

        public static void NormalizeQuery(PostTransform kind, Span<double> q0)
        {
            if (kind is PostTransform.L2 or PostTransform.LayerNorm) Apply(kind, q0, 1.0);
        }

        public static Hfy.Kernels.Storage.RowNormalization RowNormalizationFor(PostTransform post) => post switch
        {
            PostTransform.L2 => Hfy.Kernels.Storage.RowNormalization.L2,
            PostTransform.LayerNorm => Hfy.Kernels.Storage.RowNormalization.LayerNorm,
            _ => Hfy.Kernels.Storage.RowNormalization.None,
        };
    }
}

namespace Hfy.Kernels.Structured
{
    public sealed record SparseMapSolution(double[] Marginals);

    public static class SequentialKSubsets
    {
        public static SparseMapSolution Solve(ReadOnlySpan<long> positions, ReadOnlySpan<double> scores, int k, double w, bool compat) => throw new NotImplementedException("struct helper");
        public static double CandidateMargin(double w) => 2 * Math.Abs(w) + 2;
        public static double CandidateMargin(double w, bool compat) => 2 * Math.Abs(w) + (compat ? 2 : 1);
    }
}
