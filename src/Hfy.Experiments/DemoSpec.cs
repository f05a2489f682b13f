namespace Hfy.Experiments;

/// <summary>
/// The default capacity sweep of <c>hfy demo</c> (also in examples/demo-capacity.json): uniform sphere patterns,
/// N from 10³ to 10⁶, several maps and β values, noisy queries. Sized to finish in a few minutes on 2 cores
/// (measured timings in docs/capacity.md).
/// </summary>
public static class DemoSpec
{
    /// <summary>The spec document.</summary>
    public const string Json = """
        {
          "name": "demo capacity sweep",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 1, "dim": 16 },
          "grid": {
            "sizes": [1000, 10000, 100000, 1000000],
            "maps": [
              { "name": "softmax" },
              { "name": "entmax", "alpha": 1.5 },
              { "name": "sparsemax" },
              { "name": "normmax", "gamma": 2 }
            ],
            "betas": [8, 16, 32],
            "posts": ["identity"],
            "noise": [0.02],
            "steps": 5,
            "repeats": 1
          },
          "success": { "criterion": "exact" },
          "queries": 32,
          "tol": 1e-9,
          "seed": 7
        }
        """;

    /// <summary>The parsed spec.</summary>
    public static ExperimentSpec Spec => ExperimentSpec.Parse(Json);
}
