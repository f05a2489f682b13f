using System.Reflection;
using Microsoft.AspNetCore.StaticFiles;

namespace Hfy.Web;

/// <summary>
/// The dashboard's files, embedded in the hfy assembly (<c>Web/wwwroot/**</c> and the charting library the build
/// copies from npm), so the single executable serves its own page wherever it runs.
/// </summary>
internal static class StaticAssets
{
    private const string Prefix = "hfy-web/";

    /// <summary>ASP.NET Core's extension → media type table (the one UseStaticFiles serves files with).</summary>
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Every embedded asset path (relative, '/'-separated), e.g. <c>index.html</c>, <c>lib/chart.umd.min.js</c>.</summary>
    public static IReadOnlyList<string> Paths { get; } = [.. typeof(StaticAssets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])];

    /// <summary>Opens an asset, or returns null when there is none at that path.</summary>
    public static Stream? Open(string path, out string contentType)
    {
        contentType = !ContentTypes.TryGetContentType(path, out var type) ? "application/octet-stream"
            : type.StartsWith("text/", StringComparison.Ordinal) ? type + "; charset=utf-8" // the assets are UTF-8
            : type;
        return path.Contains("..", StringComparison.Ordinal)
            ? null
            : Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + path);
    }
}
