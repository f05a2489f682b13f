using System.Reflection;

namespace Hfy.Web;

/// <summary>
/// The dashboard's files, embedded in the hfy assembly (<c>Web/wwwroot/**</c> and the charting library the build
/// copies from npm), so the single executable serves its own page wherever it runs.
/// </summary>
internal static class StaticAssets
{
    private const string Prefix = "hfy-web/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    };

    /// <summary>Every embedded asset path (relative, '/'-separated), e.g. <c>index.html</c>, <c>lib/chart.umd.min.js</c>.</summary>
    public static IReadOnlyList<string> Paths { get; } = [.. typeof(StaticAssets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])];

    /// <summary>Opens an asset, or returns null when there is none at that path.</summary>
    public static Stream? Open(string path, out string contentType)
    {
        contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return path.Contains("..", StringComparison.Ordinal)
            ? null
            : Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + path);
    }
}
