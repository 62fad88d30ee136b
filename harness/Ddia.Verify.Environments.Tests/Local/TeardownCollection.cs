namespace Ddia.Verify.Environments.Tests.Local;

/// <summary>
/// Tests that assert a slot's names are gone after teardown run alone: in parallel, another session could claim the
/// freed slot, and with it the same names, between the dispose and the assertion.
/// </summary>
[CollectionDefinition(nameof(TeardownCollection), DisableParallelization = true)]
public sealed class TeardownCollection;
