namespace Hfy.Experiments;

/// <summary>One problem found in a spec: the JSON field path (e.g. <c>grid.maps[2].alpha</c>) and the rule it breaks.</summary>
/// <param name="Path">Field path in camelCase, array indices in brackets.</param>
/// <param name="Message">The rule and the offending value.</param>
public sealed record SpecError(string Path, string Message)
{
    /// <summary>The field path, on one line (a JSON property name may hold a line break).</summary>
    public string Path { get; init; } = Fold(Path);

    /// <summary>The problem, on one line (user text quoted in it may hold line breaks).</summary>
    public string Message { get; init; } = Fold(Message);

    private static string Fold(string s) => (s ?? "").ReplaceLineEndings(" ");

    /// <summary><c>path: message</c>, the one-line form the CLI and the API print.</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Thrown when a spec that fails validation is run.</summary>
public sealed class SpecValidationException(IReadOnlyList<SpecError> errors)
    : Exception(string.Join("; ", errors))
{
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}

/// <summary>
/// Turns a <see cref="System.Text.Json.JsonException"/> into a field path and a one-line message without .NET type
/// names: "The JSON value could not be converted to System.Double[]" becomes "expected an array of numbers".
/// </summary>
public static partial class JsonProblem
{
    /// <summary>The field path (<c>$</c> for the document) and the message, with the line for syntax errors.</summary>
    public static (string Path, string Message) Describe(System.Text.Json.JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var path = string.IsNullOrEmpty(e.Path) ? "" : e.Path.TrimStart('$').TrimStart('.');
        var where = e.LineNumber is { } line ? $" (line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1})" : "";
        var converted = ConvertedTo().Match(e.Message);
        string message;
        if (converted.Success)
        {
            message = $"expected {Friendly(converted.Groups[1].Value)}{where}";
        }
        else
        {
            // System.Text.Json appends " Path: … | LineNumber: … | BytePositionInLine: …." to its own messages.
            var text = e.Message.Split('\n')[0];
            var cut = text.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut < 0) cut = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
            message = (cut < 0 ? text : text[..cut]).Trim().TrimEnd('.') + where;
        }

        return (path.Length == 0 ? "$" : path, message);
    }

    private static string Friendly(string typeName)
    {
        var t = typeName.Trim();
        if (t.StartsWith("System.Nullable`1[", StringComparison.Ordinal) && t.EndsWith(']'))
            return Friendly(t["System.Nullable`1[".Length..^1]);
        if (t.EndsWith("[]", StringComparison.Ordinal))
        {
            var inner = Friendly(t[..^2]);
            return "an array of " + inner switch
            {
                "a number" => "numbers",
                "an integer" => "integers",
                "a string" => "strings",
                "true or false" => "booleans",
                "an object" => "objects",
                _ => inner.StartsWith("an array", StringComparison.Ordinal) ? "arrays" : inner,
            };
        }

        return t[(t.LastIndexOf('.') + 1)..] switch
        {
            "Double" or "Single" or "Decimal" => "a number",
            "Int32" or "Int64" or "UInt32" or "UInt64" or "Int16" or "UInt16" or "Byte" => "an integer",
            "String" or "Char" => "a string",
            "Boolean" => "true or false",
            _ => "an object",
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"could not be converted to (\S+?)\.?\s+Path:")]
    private static partial System.Text.RegularExpressions.Regex ConvertedTo();
}
