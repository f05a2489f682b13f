using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hfy.Web;

/// <summary>
/// Every JSON shape the API writes, serialized by System.Text.Json's source generator (no reflection at run time):
/// camelCase names, enums as strings (the web defaults the API always used).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(DashboardBoot))]
[JsonSerializable(typeof(ClusterSnapshot))]
[JsonSerializable(typeof(BanksSnapshot))]
[JsonSerializable(typeof(ExperimentView))]
[JsonSerializable(typeof(IReadOnlyList<ExperimentView>))]
[JsonSerializable(typeof(IReadOnlyList<MetricsPoint>))]
[JsonSerializable(typeof(SubmitResponse))]
public sealed partial class WebJsonContext : JsonSerializerContext;

/// <summary>The answer to an accepted submission or resume.</summary>
/// <param name="Id">The experiment's id.</param>
/// <param name="Location">Its API path.</param>
public sealed record SubmitResponse(string Id, string Location);
