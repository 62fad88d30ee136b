using Ddia.Verify.History;

namespace Ddia.Verify.Generators;

/// <summary>
/// What an op is about, before it is given a thread and a time: <see cref="F"/>, <see cref="Value"/>
/// (nil when null) and, for ops on independent keys, <see cref="Key"/>. A generator turns it into an
/// invocation with <see cref="GenContext.Invoke"/>.
/// </summary>
public readonly record struct OpTemplate(string F, Value? Value = null, Value? Key = null);
