namespace Hfy.Experiments;

/// <summary>One problem found in a spec: the JSON field path (e.g. <c>grid.maps[2].alpha</c>) and the rule it breaks.</summary>
/// <param name="Path">Field path in camelCase, array indices in brackets.</param>
/// <param name="Message">The rule and the offending value.</param>
public sealed record SpecError(string Path, string Message)
{
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
