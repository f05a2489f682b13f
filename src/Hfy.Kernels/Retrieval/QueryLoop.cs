using System.Runtime.ExceptionServices;
using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Retrieval;

/// <summary>The per-query loop shared by the retrieval driver and the local score source.</summary>
internal static class QueryLoop
{
    /// <summary>
    /// Runs <paramref name="body"/> for every query: on every core with a map per worker (made from
    /// <paramref name="spec"/>), or in order with <paramref name="map"/>. The first failure is rethrown as itself.
    /// </summary>
    public static void ForEach(int count, bool parallel, IMap map, MapSpec spec, Action<int, IMap> body)
    {
        if (count <= 1 || !parallel)
        {
            for (var b = 0; b < count; b++) body(b, map);
            return;
        }

        try
        {
            Parallel.For(0, count, () => MapFactory.Create(spec), (b, _, worker) =>
            {
                body(b, worker);
                return worker;
            }, _ => { });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
