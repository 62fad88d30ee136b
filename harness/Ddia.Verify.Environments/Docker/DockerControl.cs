using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Ddia.Verify.Environments.Docker;

/// <summary>The Docker engine cannot be reached; the message says why and how to fix it.</summary>
public sealed class DockerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The control plane: a client for the engine and the resilience pipeline around its calls (connects, image import,
/// container create/start/remove, archive copies). Retries transient failures with backoff and bounds each attempt;
/// never wraps a command run on a node (a retried exec could run a fault twice).
/// </summary>
internal sealed class DockerControl : IDisposable
{
    private const string Fix = "install Docker (apt-get install -y docker.io) and start the daemon " +
        "(dockerd > /var/log/dockerd.log 2>&1 &, or systemctl start docker)";

    private readonly DockerClientConfiguration configuration;

    private DockerControl(DockerClientConfiguration configuration, DockerClient client, ResiliencePipeline pipeline)
    {
        this.configuration = configuration;
        Client = client;
        Pipeline = pipeline;
    }

    public DockerClient Client { get; }

    /// <summary>Retries (4, exponential backoff from 250 ms, jitter) of connection failures, timeouts and engine errors (5xx),
    /// each attempt bounded by the options' control timeout.</summary>
    public ResiliencePipeline Pipeline { get; }

    /// <summary>A client for <paramref name="options"/>' endpoint, after a ping: a missing socket or a daemon that does not
    /// answer is a <see cref="DockerUnavailableException"/> that says how to fix it.</summary>
    public static async Task<DockerControl> ConnectAsync(DockerEnvironmentOptions options, CancellationToken cancellation)
    {
        var endpoint = options.Endpoint;
        if (endpoint.Scheme == "unix" && !File.Exists(endpoint.AbsolutePath))
            throw new DockerUnavailableException(
                $"the Docker socket {endpoint.AbsolutePath} does not exist: Docker is not installed or dockerd is not running; {Fix}");
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = 4,
                Delay = TimeSpan.FromMilliseconds(250),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(options.ControlTimeout)
            .Build();
        // DefaultTimeout bounds a request at the HTTP level too; the pipeline's timeout is the shorter, cancellable one.
        var configuration = new DockerClientConfiguration(endpoint, defaultTimeout: options.ControlTimeout * 2);
        var client = configuration.CreateClient();
        var control = new DockerControl(configuration, client, pipeline);
        try
        {
            await control.RunAsync(c => new ValueTask(client.System.PingAsync(c)), cancellation).ConfigureAwait(false);
            return control;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutRejectedException
                                      or DockerApiException)
        {
            control.Dispose();
            throw new DockerUnavailableException($"the Docker engine at {endpoint} does not answer ({e.Message}): is dockerd running? {Fix}", e);
        }
    }

    public ValueTask RunAsync(Func<CancellationToken, ValueTask> call, CancellationToken cancellation) =>
        Pipeline.ExecuteAsync(call, cancellation);

    public ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellation) =>
        Pipeline.ExecuteAsync(call, cancellation);

    /// <summary>Worth another attempt: the connection failed or the engine had an internal error. A 4xx (no such container,
    /// name conflict, bad request) will not change by retrying.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        DockerApiException api => (int)api.StatusCode >= 500,
        FileNotFoundException or DirectoryNotFoundException => false,   // a local path: retrying will not make it appear
        HttpRequestException or SocketException or IOException or TimeoutRejectedException => true,
        _ => false,
    };

    public static bool IsNotFound(Exception e) => e is DockerContainerNotFoundException or DockerNetworkNotFoundException
        or DockerImageNotFoundException || e is DockerApiException { StatusCode: HttpStatusCode.NotFound };

    public void Dispose()
    {
        Client.Dispose();
        configuration.Dispose();
    }
}
