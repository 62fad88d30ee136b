using Ddia.Verify.Checkers.Invariants;
using Ddia.Verify.History;
using HistoryList = Ddia.Verify.History.History;

namespace Ddia.Verify.Checkers.Tests.Invariants;

public sealed class OnCallCheckerTests
{
    private static readonly Value S1 = Value.Of("s1");
    private static readonly Value S2 = Value.Of("s2");

    private static OnCallOptions RosterOf(params (string Shift, string[] Doctors)[] shifts) => new()
    {
        Roster = shifts.ToDictionary(s => Value.Of(s.Shift), s => (IReadOnlyCollection<Value>)[.. s.Doctors.Select(Value.Of)]),
    };

    private static readonly OnCallOptions AliceAndBob = RosterOf(("s1", ["alice", "bob"]));

    private static CheckResult Check(string text, OnCallOptions? options = null) =>
        new OnCallChecker(options).Check(Histories.Parse(text), new CheckOptions());

    private static string Off(string doctor, string shift = "s1") => $"go-off-call([[shift {shift}] [doctor {doctor}]])";

    private static OnCallResult Detail(CheckResult r) => Assert.IsType<OnCallResult>(r.Detail);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Check_OneDoctorOffAndTheOtherRefused_IsValid(bool rosterGiven)
    {
        var r = Check($"p0 {Off("alice")} [0,10] | p1 {Off("bob")}:fail [20,30] | p2 read->[[s1 [bob]]] [40,50]", rosterGiven ? AliceAndBob : null);
        Assert.Equal(Validity.Valid, r.Validity);
        var d = Detail(r);
        Assert.Equal((rosterGiven, 1, 1, 1), (d.RosterGiven, d.ReadsChecked, d.GoOffCallOk, d.GoOffCallFailed));
        Assert.Equal([Value.Of("bob")], d.FinalOnCall[S1].ToArray());
        Assert.Equal([Value.Of("alice"), Value.Of("bob")], d.Roster[S1].ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Check_TwoConcurrentDoctorsGoingOff_IsWriteSkew(bool rosterGiven)
    {
        // Positions: 0 alice invoke, 1 bob invoke, 2 alice ok, 3 bob ok, 4 read invoke, 5 read ok.
        var r = Check($"p0 {Off("alice")} [0,20] | p1 {Off("bob")} [5,25] | p2 read->[[s1 []]] [40,50]", rosterGiven ? AliceAndBob : null);
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal(["empty-read", "write-skew"], r.Anomalies.Select(a => a.Kind));
        var skew = Assert.Single(r.Anomalies, a => a.Kind == "write-skew");
        Assert.Equal([0, 2, 1, 3], skew.Positions.ToArray());
        Assert.Contains("ran concurrently", skew.Explanation, StringComparison.Ordinal);
        var finding = Assert.IsType<OnCallFinding.WriteSkew>(Assert.Single(Detail(r).Findings, f => f is OnCallFinding.WriteSkew));
        Assert.Equal((S1, true), (finding.Shift, finding.Concurrent));
        Assert.Equal([0, 1], finding.Transactions.ToArray());
        Assert.Equal([Value.Of("alice"), Value.Of("bob")], finding.Doctors.ToArray());
        Assert.Equal(new OnCallFinding.EmptyRead(4, 5, S1), Assert.Single(Detail(r).Findings, f => f is OnCallFinding.EmptyRead));
        Assert.Empty(Detail(r).FinalOnCall[S1]);
    }

    [Fact]
    public void Check_WriteSkew_NamesOnlyTheLastConcurrentGroup()
    {
        var r = Check($"p0 {Off("alice")} [0,10] | p1 {Off("bob")} [20,40] | p2 {Off("carol")} [30,50]", RosterOf(("s1", ["alice", "bob", "carol"])));
        var finding = Assert.IsType<OnCallFinding.WriteSkew>(Assert.Single(Detail(r).Findings));
        Assert.Equal([2, 3], finding.Transactions.ToArray());
        Assert.Equal([Value.Of("bob"), Value.Of("carol")], finding.Doctors.ToArray());
    }

    [Fact]
    public void Check_SequentialGoOffsThatEmptyAShift_AreReportedAsNotConcurrent()
    {
        var r = Check($"p0 {Off("alice")} [0,10] | p1 {Off("bob")} [20,30]", AliceAndBob);
        Assert.Equal(Validity.Invalid, r.Validity);
        var finding = Assert.IsType<OnCallFinding.WriteSkew>(Assert.Single(Detail(r).Findings));
        Assert.False(finding.Concurrent);
        Assert.Equal([2], finding.Transactions.ToArray());
        Assert.Contains("ran alone", r.Anomalies[0].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InfoAndFailedGoOffs_DoNotEmptyTheFinalState()
    {
        var r = Check($"p0 {Off("alice")} [0,10] | p1 {Off("bob")}:info [20,_] | p2 {Off("bob")}:fail [30,40]", AliceAndBob);
        Assert.Equal(Validity.Valid, r.Validity);
        Assert.Equal([Value.Of("bob")], Detail(r).FinalOnCall[S1].ToArray());
    }

    [Fact]
    public void Check_ReadMissingAShiftOfTheRoster_IsEmptyRead()
    {
        var r = Check("p0 read->[[s1 [alice]]] [0,10]", RosterOf(("s1", ["alice", "bob"]), ("s2", ["carol", "dave"])));
        Assert.Equal(Validity.Invalid, r.Validity);
        Assert.Equal(new OnCallFinding.EmptyRead(0, 1, S2), Assert.Single(Detail(r).Findings));
    }

    [Fact]
    public void Check_ReadOfAString_IsUnknownNamingItsPosition()
    {
        var r = Check($"p0 read->\"x\" [0,10] | p1 {Off("alice")} [20,30]", AliceAndBob);
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 1", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_GoOffCallWithoutADoctor_IsUnknown()
    {
        var r = Check("p0 go-off-call([[shift s1] [who alice]]) [0,10] | p1 read->[[s1 [alice bob]]] [20,30]");
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("position 0", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DoctorNotOnTheRoster_IsUnknown()
    {
        var r = Check($"p0 {Off("mallory")} [0,10]", AliceAndBob);
        Assert.Equal(Validity.Unknown, r.Validity);
        Assert.Contains("not on the roster", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NemesisOps_AreIgnored() =>
        Assert.Equal(Validity.Valid, Check($"p-1 {Off("alice")} [0,10] | p-1 {Off("bob")} [0,10] | p0 read->[[s1 [alice bob]]] [20,30]", AliceAndBob).Validity);

    [Fact]
    public void Check_NothingObserved_IsUnknown() =>
        Assert.Equal(Validity.Unknown, new OnCallChecker().Check(new HistoryList([]), new CheckOptions()).Validity);
}
