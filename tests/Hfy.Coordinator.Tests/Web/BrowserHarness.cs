using Microsoft.Playwright;

namespace Hfy.Coordinator.Tests.Web;

/// <summary>Playwright driving Debian's chromium (never a downloaded browser).</summary>
internal static class BrowserHarness
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>Launches chromium headless; fails with a message naming the fix when it is not installed.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath),
            $"{ChromiumPath} is missing: the dashboard browser test drives Debian's chromium. .ci/run installs it (CI installs it); " +
            "locally run: apt-get update && apt-get install -y chromium");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = 60_000,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>The repository root (the folder holding Hfy.Distributed.sln), or null when the tests run elsewhere.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hfy.Distributed.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
