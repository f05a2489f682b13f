namespace Hfy.Kernels.Tests.Structured;

/// <summary>
/// Independent reference for sequential k-subsets SparseMAP on small N: enumerates all C(N, k) structures
/// and solves the QP through its smoothed dual, min_η ½‖η‖² + ε·logΣ_s exp((b_s − ηᵀ1_s)/ε), by damped
/// Newton with ε driven from 1 down to 1e-10 (the minimizer η_ε = E_π[1_s] tends to μ* as O(ε)).
/// Shares no code with the active-set solver or the Viterbi oracle.
/// </summary>
internal static class BruteForceSparseMap
{
    public static List<int[]> Structures(int n, int k)
    {
        var all = new List<int[]>();
        for (int mask = 0; mask < 1 << n; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != k) continue;
            all.Add(Enumerable.Range(0, n).Where(i => (mask >> i & 1) == 1).ToArray());
        }
        return all;
    }

    public static double Score(int[] s, double[] theta, double w)
    {
        double sum = s.Sum(i => theta[i]);
        for (int t = 1; t < s.Length; t++) if (s[t] == s[t - 1] + 1) sum += w;
        return sum;
    }

    public static double[] Solve(double[] theta, int k, double w)
    {
        int n = theta.Length;
        var structures = Structures(n, k);
        var b = structures.Select(s => Score(s, theta, w)).ToArray();
        var eta = new double[n];
        for (double eps = 1; eps >= 0.99e-10; eps /= 100)
        {
            bool last = eps < 1e-9;
            for (int iter = 0; iter < 100; iter++)
            {
                var (f, grad, hess) = Evaluate(structures, b, eta, eps, wantHessian: true);
                double gnorm = grad.Max(Math.Abs);
                if (gnorm < (last ? 1e-14 : 1e-9)) break;
                var step = SolveSymmetric(hess!, grad.Select(g => -g).ToArray());
                if (step.Max(Math.Abs) < 1e-16) break;
                double slope = step.Zip(grad, (a, c) => a * c).Sum();
                double t = 1;
                bool moved = false;
                while (t > 1e-12)
                {
                    var trial = eta.Zip(step, (e, d) => e + t * d).ToArray();
                    var (ft, _, _) = Evaluate(structures, b, trial, eps, wantHessian: false);
                    if (ft <= f + 1e-4 * t * slope || ft <= f)
                    {
                        eta = trial;
                        moved = true;
                        break;
                    }
                    t /= 2;
                }
                if (!moved) break;
            }
        }
        return eta;
    }

    private static (double F, double[] Grad, double[,]? Hess) Evaluate(List<int[]> structures, double[] b, double[] eta, double eps, bool wantHessian)
    {
        int n = eta.Length, m = structures.Count;
        var v = new double[m];
        double max = double.NegativeInfinity;
        for (int s = 0; s < m; s++)
        {
            double dot = 0;
            foreach (int i in structures[s]) dot += eta[i];
            v[s] = b[s] - dot;
            max = Math.Max(max, v[s]);
        }
        var pi = new double[m];
        double z = 0;
        for (int s = 0; s < m; s++) { pi[s] = Math.Exp((v[s] - max) / eps); z += pi[s]; }
        for (int s = 0; s < m; s++) pi[s] /= z;
        double f = 0.5 * eta.Sum(e => e * e) + max + eps * Math.Log(z);
        var mean = new double[n];
        for (int s = 0; s < m; s++) foreach (int i in structures[s]) mean[i] += pi[s];
        var grad = eta.Zip(mean, (e, mu) => e - mu).ToArray();
        if (!wantHessian) return (f, grad, null);
        var h = new double[n, n];
        for (int s = 0; s < m; s++)
        {
            if (pi[s] == 0) continue;
            foreach (int i in structures[s]) foreach (int j in structures[s]) h[i, j] += pi[s] / eps;
        }
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) h[i, j] -= mean[i] * mean[j] / eps;
            h[i, i] += 1;
        }
        return (f, grad, h);
    }

    private static double[] SolveSymmetric(double[,] a0, double[] rhs)
    {
        int n = rhs.Length;
        var a = (double[,])a0.Clone();
        var x = (double[])rhs.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[p, c])) p = r;
            if (p != c)
            {
                for (int j = 0; j < n; j++) (a[c, j], a[p, j]) = (a[p, j], a[c, j]);
                (x[c], x[p]) = (x[p], x[c]);
            }
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int j = c; j < n; j++) a[r, j] -= f * a[c, j];
                x[r] -= f * x[c];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int j = r + 1; j < n; j++) s -= a[r, j] * x[j];
            x[r] = s / a[r, r];
        }
        return x;
    }
}
