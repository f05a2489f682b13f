using Hfy.Learning.Mil;

namespace Hfy.Learning.Tests;

/// <summary>
/// The fold assignment replays scikit-learn's <c>StratifiedKFold(shuffle=True, random_state=seed)</c> and NumPy's
/// <c>RandomState</c>: golden values printed by <c>Golden/sklearn_folds.py</c> (NumPy 1.24.2, scikit-learn 1.2.1).
/// </summary>
public class StratifiedFoldsTests
{
    [Theory]
    [InlineData(0L, new uint[] { 2357136044, 2546248239, 3071714933, 3626093760, 2588848963 })]
    [InlineData(42L, new uint[] { 1608637542, 3421126067, 4083286876, 787846414, 3143890026 })]
    [InlineData(4294967295L, new uint[] { 419326371, 479346978, 3918654476, 2416749639, 3388880820 })]
    public void Mt19937Stream_IsNumpys(long seed, uint[] expected)
    {
        var rng = new NumpyRandomState(seed);
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(_ => rng.NextUInt32()).ToArray());
    }

    [Theory]
    [InlineData(5, 10, new[] { 9, 5, 2, 4, 7, 1, 0, 8, 6, 3 })]
    [InlineData(0, 1000, new[] { 993, 859, 298, 553, 672, 971, 27, 231, 306, 706, 496, 558 })]
    [InlineData(123, 7, new[] { 1, 3, 4, 0, 2, 5, 6 })]
    public void Permutation_IsNumpys(int seed, int n, int[] expectedPrefix)
    {
        var p = new NumpyRandomState(seed).Permutation(n);
        Assert.Equal(expectedPrefix, p[..expectedPrefix.Length]);
        Assert.Equal(Enumerable.Range(0, n), p.Order());
    }

    [Fact]
    public void NumpyRandomState_RefusesSeedsNumpyRefuses()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandomState(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandomState(1L << 32));
    }

    // The labels of data/mil/{elephant,fox,tiger}/labels.npy (identical files): 100 positive bags, then 100 negative.
    private static readonly int[] MilLabels = [.. Enumerable.Repeat(1, 100), .. Enumerable.Repeat(0, 100)];

    [Theory]
    [InlineData(0, "28057917595971032230460744098768965215670644011430950325132513657838181249962977238436518783280966441269780111670780303770426523941584274089562836079579896231456981395358189368412524636052541072740943")]
    [InlineData(1, "88389138669355533471079613924369598445238571844929452054280736744806095266091681221125207701670707134903213880502146253040957508526359814169266438375841016437692147589766138282115649332499770729707850")]
    [InlineData(2, "83521202219971020267318470277660143708911585931265091554649079998855687466853354063323648943078427142373168527019656019125506093741593946066841984533311247806814297058778421389488709075793546024522632")]
    [InlineData(3, "96069894217079378254710078164530138158341233997764578619595525884834340692650660628213423914712075023218288710308419730997058945415142342569867378667532891761443570792092780529634502862061054365311946")]
    [InlineData(4, "21916259444092131235808786077166276718030715292192841633158826634443974039658772800534935995057806543892544563774089380171586009954882695591627110342270035233971286727694958270633344468557601011846921")]
    public void OuterFolds_OfTheMilBags_AreSklearns(int seed, string expected)
    {
        var folds = StratifiedFolds.Assign(MilLabels, 10, seed);
        Assert.Equal(expected, string.Concat(folds));
    }

    [Theory]
    [InlineData(0, new[] { 0, 10, 14, 23, 31, 41, 46, 50, 65, 94, 106, 110, 111, 115, 126, 139, 168, 180, 192, 197 })]
    [InlineData(1, new[] { 22, 52, 56, 66, 68, 74, 86, 89, 93, 95, 101, 111, 113, 117, 126, 139, 163, 190, 194, 198 })]
    [InlineData(2, new[] { 10, 11, 25, 31, 32, 46, 55, 67, 75, 92, 100, 109, 122, 126, 137, 142, 161, 171, 174, 181 })]
    [InlineData(3, new[] { 1, 11, 17, 18, 25, 69, 75, 78, 95, 98, 113, 118, 124, 135, 145, 156, 166, 173, 176, 198 })]
    [InlineData(4, new[] { 22, 26, 35, 36, 68, 70, 80, 81, 93, 96, 119, 120, 130, 131, 137, 138, 169, 170, 185, 187 })]
    public void InnerValidationBags_OfOuterFold3_AreSklearns(int seed, int[] expected)
    {
        var (train, validation, test) = StratifiedFolds.Split(MilLabels, 10, 3, seed);
        Assert.Equal(expected, validation);
        Assert.Equal(160, train.Length);
        Assert.Equal(20, test.Length);
    }

    [Fact]
    public void ThreeUnevenClasses_InOrderOfFirstAppearance_AreSklearns()
    {
        int[] y = [2, 0, 2, 1, 1, 2, 0, 2, 2, 1, 0, 2, 1, 2, 2, 0, 1, 2];
        Assert.Equal("033210132001320211", string.Concat(StratifiedFolds.Assign(y, 4, 7)));
    }

    [Fact]
    public void MoreFoldsThanAnyClassHolds_IsRefused_AsSklearn()
    {
        var e = Assert.Throws<ArgumentException>(() => StratifiedFolds.Assign([0, 0, 1, 1, 1], 4, 0));
        Assert.StartsWith("folds", e.Message, StringComparison.Ordinal);
    }
}
