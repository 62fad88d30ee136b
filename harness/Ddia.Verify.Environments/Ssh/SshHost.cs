namespace Ddia.Verify.Environments.Ssh;

/// <summary>One line of a nodes file: where to connect, as whom and with which private key.</summary>
/// <param name="Host">IP address or name, as written; it is also the node's address.</param>
/// <param name="KeyFile">Absolute path of the private key (relative paths are taken from the nodes file's directory).</param>
public sealed record SshHost(string Host, int Port, string User, string KeyFile);
