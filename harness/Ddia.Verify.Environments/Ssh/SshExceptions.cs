namespace Ddia.Verify.Environments.Ssh;

/// <summary>A host could not be reached, refused our key, or presented a host key we do not trust.</summary>
public sealed class SshEnvironmentException : Exception
{
    public SshEnvironmentException(string message) : base(message)
    {
    }

    public SshEnvironmentException(string message, Exception inner) : base(message, inner)
    {
    }

    public SshEnvironmentException()
    {
    }
}

/// <summary>The host's key is unknown, different from the recorded one, or revoked: the connection was refused.</summary>
public sealed class HostKeyRejectedException : Exception
{
    public HostKeyRejectedException(string message) : base(message)
    {
    }

    public HostKeyRejectedException(string message, Exception inner) : base(message, inner)
    {
    }

    public HostKeyRejectedException()
    {
    }
}
