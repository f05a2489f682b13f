namespace Hfy.Web;

/// <summary>What the web server reads about the cluster: members, incidents, banks and their partitions.</summary>
public interface IClusterView
{
    /// <summary>Members, leader and recent incidents.</summary>
    ClusterSnapshot GetCluster();

    /// <summary>Banks and where their partitions live.</summary>
    BanksSnapshot GetBanks();
}
