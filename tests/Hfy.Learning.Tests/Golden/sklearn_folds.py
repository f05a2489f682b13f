# Prints the golden values of NumpyRandomStateTests and StratifiedFoldsTests (run with NumPy and scikit-learn
# installed, e.g. Debian's python3-numpy 1.24 and python3-sklearn 1.2.1, from the repository root):
#   python3 tests/Hfy.Learning.Tests/Golden/sklearn_folds.py
import numpy as np
from sklearn.model_selection import StratifiedKFold

print("numpy", np.__version__)
import sklearn
print("sklearn", sklearn.__version__)

# The raw MT19937 stream: bytes() are the 32-bit outputs, little-endian.
for seed in (0, 42, 4294967295):
    rs = np.random.RandomState(seed)
    raw = np.frombuffer(rs.bytes(20), dtype="<u4")
    print("raw", seed, [int(v) for v in raw])

for seed, n in ((5, 10), (0, 1000), (123, 7)):
    rs = np.random.RandomState(seed)
    print("perm", seed, n, list(int(v) for v in rs.permutation(n)[:12]))

labels = np.load("data/mil/tiger/labels.npy").astype(int)
print("labels", "".join(str(v) for v in labels))
for seed in range(5):
    skf = StratifiedKFold(10, shuffle=True, random_state=seed)
    folds = np.empty(len(labels), dtype=int)
    splits = list(skf.split(np.zeros(len(labels)), labels))
    for f, (_, test) in enumerate(splits):
        folds[test] = f
    print("outer", seed, "".join(str(v) for v in folds))
    train, test = splits[3]
    inner = StratifiedKFold(9, shuffle=True, random_state=seed)
    itr, ival = next(inner.split(np.zeros(len(train)), labels[train]))
    print("inner3", seed, ",".join(str(int(v)) for v in train[ival]))

# Three classes, first appearance not in sorted order, uneven counts.
y = np.array([2, 0, 2, 1, 1, 2, 0, 2, 2, 1, 0, 2, 1, 2, 2, 0, 1, 2])
folds = np.empty(len(y), dtype=int)
for f, (_, test) in enumerate(StratifiedKFold(4, shuffle=True, random_state=7).split(np.zeros(len(y)), y)):
    folds[test] = f
print("three", "".join(str(v) for v in folds))
