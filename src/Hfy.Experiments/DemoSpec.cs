namespace Hfy.Experiments;

/// <summary>
/// The default capacity sweep of <c>hfy demo</c> (examples/demo-capacity.json): uniform sphere patterns,
/// N from 10³ to 10⁶, several maps and β values, noisy queries. Sized to finish in a few minutes on 2 cores
/// (measured timings in docs/capacity.md).
/// </summary>
public static class DemoSpec
{
    /// <summary>The spec document: examples/demo-capacity.json, embedded at build time (one copy of the spec).</summary>
    public static string Json { get; } = ReadEmbedded("demo-capacity.json");

    /// <summary>The parsed spec.</summary>
    public static ExperimentSpec Spec => ExperimentSpec.Parse(Json);

    private static string ReadEmbedded(string name)
    {
        using var stream = typeof(DemoSpec).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {typeof(DemoSpec).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
