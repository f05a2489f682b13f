using Hfy.Web;

namespace Hfy.Coordinator.Tests.Deploy;

/// <summary>The waits of the process tests: poll a condition against the processes' coordinator, fail with their output.</summary>
internal sealed partial class ProcessGroup
{
    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="pollMs"/> ms until it holds or <paramref name="patience"/> runs
    /// out. A <see cref="CoordinatorClientException"/> (the coordinator is not listening yet, or restarting) counts as "not yet";
    /// with <paramref name="describe"/>, so does any other exception but an assertion's. On timeout the test fails naming
    /// <paramref name="what"/>, the last such error, <paramref name="describe"/>'s state and every process's output.
    /// </summary>
    public async Task WaitUntil(Func<Task<bool>> condition, string what, TimeSpan patience, int pollMs = 250, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + patience;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (CoordinatorClientException e)
            {
                last = e.Message;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && describe is not null)
            {
                last = e.Message;
            }

            await Task.Delay(pollMs);
        }

        var state = describe is null ? "" : " " + await describe();
        Assert.Fail($"timed out waiting for {what} ({last}){state}\n{AllOutput()}");
    }

    /// <summary>Waits until experiment <paramref name="id"/> is in <paramref name="state"/>; fails at once if it failed or was cancelled.</summary>
    public Task WaitForState(CoordinatorClient client, string id, string state, TimeSpan patience) =>
        WaitUntil(async () =>
        {
            using var e = await client.GetAsync($"api/experiments/{id}", default);
            var s = e.RootElement.GetProperty("state").GetString();
            Assert.True(s is not ("failed" or "cancelled"), $"experiment {id} {s}: {e.RootElement.GetProperty("error")}");
            return s == state;
        }, $"experiment {id} {state}", patience);

    /// <summary>An integer field of a coordinator API document (e.g. <c>membersUp</c> of <c>api/cluster</c>).</summary>
    public static async Task<int> Int(CoordinatorClient client, string path, string field)
    {
        using var doc = await client.GetAsync(path, default);
        return doc.RootElement.GetProperty(field).GetInt32();
    }
}
