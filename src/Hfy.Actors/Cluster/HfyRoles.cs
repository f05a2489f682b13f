namespace Hfy.Actors.Cluster;

/// <summary>Cluster role names.</summary>
public static class HfyRoles
{
    /// <summary>Nodes that host bank partitions.</summary>
    public const string Bank = "bank";

    /// <summary>Nodes that run retrieval coordinators, experiments and the dashboard.</summary>
    public const string Coordinator = "coordinator";
}
