using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Tests;

public class BankTests
{
    [Fact]
    public void Bank_Row_ReturnsTheRowMajorSlice()
    {
        var bank = new Bank([1, 2, 3, 4, 5, 6], rows: 3, dim: 2);
        Assert.Equal([3f, 4f], bank.Row(1).ToArray());
    }

    [Fact]
    public void Bank_OfMismatchedLength_NamesTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Bank([1, 2, 3], rows: 2, dim: 2));
        Assert.Equal("data", ex.ParamName);
    }
}
