using Hfy.Experiments;

namespace Hfy.Coordinator.Tests.Experiments;

/// <summary>
/// File sources confined to data directories: whatever the spelling (.., symbolic links to files or directories),
/// a path whose physical location is outside the roots is refused, and no file content reaches an error message.
/// </summary>
public sealed class DataRootsTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _root;
    private readonly string _outside;

    public DataRootsTests()
    {
        _root = Path.Combine(_dir.Path, "data");
        _outside = Path.Combine(_dir.Path, "private");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_root, "bank.csv"), "1,0\n0,1\n1,1\n");
        File.WriteAllText(Path.Combine(_outside, "secret.csv"), "1\nroot:x:0:0:SECRET-LINE\n");
        File.CreateSymbolicLink(Path.Combine(_root, "to-secret.csv"), Path.Combine(_outside, "secret.csv"));
        File.CreateSymbolicLink(Path.Combine(_root, "to-bank.csv"), "bank.csv");
        Directory.CreateSymbolicLink(Path.Combine(_root, "private-dir"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), "../..");
    }

    public void Dispose() => _dir.Dispose();

    private static string Spec(string path) => $$"""
        {
          "name": "t", "kind": "capacity",
          "bank": { "source": "csv", "path": {{System.Text.Json.JsonSerializer.Serialize(path)}} },
          "grid": { "sizes": [2], "maps": [ { "name": "softmax" } ], "betas": [1], "posts": ["identity"], "noise": [0], "steps": 1 },
          "queries": 1
        }
        """;

    private (ExperimentSpec? Spec, IReadOnlyList<SpecError> Errors) Check(string path) =>
        SpecValidator.ParseAndValidate(Spec(path), SpecLimits.Default with { DataRoots = [_root] });

    [Fact]
    public void PathsInsideTheRoot_AreAccepted_AndRunFromTheirResolvedLocation()
    {
        var (spec, errors) = Check(Path.Combine(_root, "bank.csv"));
        Assert.Empty(errors);
        Assert.Equal(Path.Combine(_root, "bank.csv"), spec!.Bank!.Path);

        (spec, errors) = Check(Path.Combine(_root, "to-bank.csv"));
        Assert.Empty(errors);
        Assert.Equal(Path.Combine(_root, "bank.csv"), spec!.Bank!.Path);

        (spec, errors) = Check(Path.Combine(_root, "sub", "..", "bank.csv"));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("{outside}/secret.csv")]
    [InlineData("{root}/../private/secret.csv")]
    [InlineData("{root}/sub/../../private/secret.csv")]
    [InlineData("{root}/to-secret.csv")]
    [InlineData("{root}/private-dir/secret.csv")]
    [InlineData("{root}/sub/up/private/secret.csv")]
    [InlineData("{root}/sub/up/data/../private/secret.csv")]
    [InlineData("{root}/private-dir/missing.csv")]
    public void PathsOutsideTheRoot_AreRefused_WithoutOpeningThem(string template)
    {
        var path = template.Replace("{root}", _root, StringComparison.Ordinal).Replace("{outside}", _outside, StringComparison.Ordinal);
        var (_, errors) = Check(path);
        var e = Assert.Single(errors);
        Assert.Equal("bank.path", e.Path);
        Assert.StartsWith("is outside the data directories this coordinator reads", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnconfinedFiles_ThatAreNotCsv_GiveAnErrorThatQuotesNoLine()
    {
        var (_, errors) = SpecValidator.ParseAndValidate(Spec(Path.Combine(_outside, "secret.csv")), SpecLimits.Default);
        var e = Assert.Single(errors);
        Assert.Equal("bank.path", e.Path);
        Assert.Contains("line 2, column 1 is not a number", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADirectory_IsNotReportedAsMissing()
    {
        var (_, errors) = Check(Path.Combine(_root, "sub"));
        Assert.Equal("is a directory, not a csv file: " + Path.Combine(_root, "sub"), Assert.Single(errors).Message);
    }

    [Fact]
    public void ALinkLoop_IsRefusedInOneLine()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "loop-a"), Path.Combine(_root, "loop-b"));
        File.CreateSymbolicLink(Path.Combine(_root, "loop-b"), Path.Combine(_root, "loop-a"));
        var e = Assert.Single(Check(Path.Combine(_root, "loop-a")).Errors);
        Assert.Equal("bank.path", e.Path);
        Assert.DoesNotContain('\n', e.Message);
    }
}
