using Ddia.Verify.Checkers.Transactions;
using Ddia.Verify.Generators;
using Ddia.Verify.History;

namespace Ddia.Verify.Workloads.Transactions;

/// <summary>
/// Elle's transactional workloads (DDIA ch. 7): random short transactions over a moving window of hot
/// keys, judged by the <see cref="TransactionalChecker"/> against the models asked for.
/// <para>Op shape: f <c>txn</c>, value a list of micro-ops — list-append <c>["append", k, v]</c> and
/// <c>["r", k, nil]</c>; rw-register <c>["w", k, v]</c> and <c>["r", k, nil]</c>. An ok completion carries
/// the same micro-ops with what each read returned (a list, or the register's value, nil if absent); an
/// aborted transaction completes <c>fail</c>; one whose commit may or may not have happened, <c>info</c>.</para>
/// Keys are integers; written values are unique per key without any state in the generator: the value of
/// micro-op m of transaction i is i × 64 + m + 1, so the same seed gives the same transactions.
/// </summary>
public static class TxnWorkloads
{
    public const string F = "txn";

    public static Workload ListAppend(TxnOptions? options = null) => Create("list-append", TxnWorkload.ListAppend, "append", options);

    public static Workload RwRegister(TxnOptions? options = null) => Create("rw-register", TxnWorkload.RwRegister, "w", options);

    private static Workload Create(string name, TxnWorkload kind, string write, TxnOptions? options)
    {
        var o = options ?? new TxnOptions();
        o.Validate();
        var checker = new TransactionalChecker(kind, new TxnCheckOptions { ConsistencyModels = o.ConsistencyModels });
        return new Workload(name, Gen.Ops((i, random) => new OpTemplate(F, Transaction(o, write, i, random))), checker);
    }

    private static readonly Value Read = Value.Of("r");

    private static Value Transaction(TxnOptions o, string write, long index, GenRandom random)
    {
        var writeName = Value.Of(write);
        var length = o.MinLength + random.Next(o.MaxLength - o.MinLength + 1);
        var window = index / o.TxnsPerKeyShift;
        var mops = new Value[length];
        for (var m = 0; m < length; m++)
        {
            var key = Value.Of(window + HotKey(o.ActiveKeys, random));
            mops[m] = random.NextDouble() < o.ReadFraction
                ? Value.List(Read, key, Value.Nil)
                : Value.List(writeName, key, Value.Of(index * 64 + m + 1));
        }
        return Value.List(mops);
    }

    /// <summary>0 with probability 1/2, 1 with 1/4, …; the coldest key takes what is left.</summary>
    private static int HotKey(int keys, GenRandom random)
    {
        var k = 0;
        while (k < keys - 1 && random.NextDouble() >= 0.5) k++;
        return k;
    }
}
